// The checkpoint format: a trainer's networks, optimiser, progress, random stream and expert weights, to and from any stream.
using System.Text;
using System.Text.Json;
using Leed.Engine.Env;
using static TorchSharp.torch;

namespace Leed.Engine.Learning;

/// <summary>What a checkpoint says about the run it came from.</summary>
public sealed record CheckpointHeader(string Algorithm, Hyperparameters Hyperparameters, int Seed, string? WeightSchedule,
    int Agents, int ObservationSize, int StateSize, string EnvVersion, string Scenario, string? Demonstrations);

/// <summary>
/// Format 2, in order: the magic text, the format number, the <see cref="CheckpointHeader"/> as
/// JSON, the iteration, the global step, the networks' parameters, Adam's state, the generator's
/// state (length-prefixed bytes) and the expert weights (count-prefixed floats). Strings are
/// <see cref="BinaryWriter"/>'s length-prefixed UTF-8. Change the layout only with a new format number.
/// </summary>
public static class Checkpoint
{
    private const string Magic = "LEED-CHECKPOINT";
    private const int Format = 2;

    internal static void Save(Trainer trainer, Stream stream)
    {
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(Magic);
        writer.Write(Format);
        var header = new CheckpointHeader(trainer.Algorithm.Name(), trainer.Hyperparameters, trainer.Seed, trainer.WeightSchedule?.Spec,
            trainer.AgentCount, trainer.ObservationSize, trainer.StateSize, EnvConfig.EnvVersion, trainer.Scenario.Description,
            trainer.Demonstrations?.Provenance);
        writer.Write(JsonSerializer.Serialize(header));
        writer.Write(trainer.Iteration);
        writer.Write(trainer.GlobalStep);
        trainer.Networks.save(writer);
        trainer.Optimizer.Save(writer);
        using (Tensor state = trainer.Generator.get_state())
        {
            byte[] bytes = state.data<byte>().ToArray();
            writer.Write(bytes.Length);
            writer.Write(bytes);
        }
        writer.Write(trainer.ExpertWeights.Length);
        foreach (float weight in trainer.ExpertWeights) writer.Write(weight);
        writer.Flush();
    }

    /// <summary>Reads only the header of a checkpoint (the stream is left after it).</summary>
    public static CheckpointHeader ReadHeader(Stream stream)
    {
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        return ReadHeader(reader);
    }

    /// <summary>The header and the progress (iterations done, global step) of a checkpoint, without loading its networks.</summary>
    public static (CheckpointHeader Header, int Iteration, long GlobalStep) ReadProgress(Stream stream)
    {
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        CheckpointHeader header = ReadHeader(reader);
        try
        {
            return (header, reader.ReadInt32(), reader.ReadInt64());
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException("The checkpoint is cut short after its header.");
        }
    }

    /// <summary>A trainer built from the header, then given the checkpoint's state; see <see cref="Trainer.LoadCheckpoint"/>.</summary>
    internal static Trainer Load(Stream stream, Scenario scenario, ExpertDataset? demonstrations, EnvConfig? environment, int? plannedIterations = null)
    {
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        CheckpointHeader header = ReadHeader(reader);
        if (plannedIterations is int planned) header = header with { Hyperparameters = header.Hyperparameters with { Iterations = planned } };
        if (header.Agents != scenario.AgentCount)
            throw new InvalidDataException($"The checkpoint has {header.Agents} agents; the scenario has {scenario.AgentCount}.");
        if (header.EnvVersion != EnvConfig.EnvVersion)
            throw new InvalidDataException($"The checkpoint was trained on environment {header.EnvVersion}; this build runs {EnvConfig.EnvVersion}.");
        var trainer = new Trainer(scenario, demonstrations, Algorithms.Parse(header.Algorithm),
            header.WeightSchedule is null ? null : WeightSchedules.Parse(header.WeightSchedule), header.Hyperparameters, header.Seed, environment);
        if (trainer.ObservationSize != header.ObservationSize)
            throw new InvalidDataException($"The checkpoint expects observations of {header.ObservationSize} floats; this environment writes {trainer.ObservationSize}.");
        int iteration = reader.ReadInt32();
        long globalStep = reader.ReadInt64();
        trainer.Networks.load(reader);
        trainer.Optimizer.Load(reader);
        byte[] state = reader.ReadBytes(reader.ReadInt32());
        using (Tensor stateTensor = tensor(state, ScalarType.Byte)) trainer.Generator.set_state(stateTensor);
        int count = reader.ReadInt32();
        for (int i = 0; i < count; i++) trainer.ExpertWeights[i] = reader.ReadSingle();
        trainer.ContinueFrom(iteration, globalStep);
        return trainer;
    }

    /// <summary>
    /// Only the policy of a checkpoint: its header, its iteration and its networks (the optimiser and
    /// random stream are left unread). What evaluation needs: no demonstrations, no training state.
    /// </summary>
    /// <param name="maskOffset">Where the action mask starts in this environment's observations.</param>
    internal static (CheckpointHeader Header, int Iteration, AgentNetworks Networks) LoadPolicy(Stream stream, int observationSize, int maskOffset)
    {
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        CheckpointHeader header = ReadHeader(reader);
        if (header.EnvVersion != EnvConfig.EnvVersion)
            throw new InvalidDataException($"The checkpoint was trained on environment {header.EnvVersion}; this build runs {EnvConfig.EnvVersion}.");
        if (header.ObservationSize != observationSize)
            throw new InvalidDataException($"The checkpoint expects observations of {header.ObservationSize} floats; this environment writes {observationSize}.");
        int iteration = reader.ReadInt32();
        reader.ReadInt64(); // global step
        bool centralized = Algorithms.Parse(header.Algorithm).Info().CentralizedCritic;
        Hyperparameters hp = header.Hyperparameters;
        // The initial draw is overwritten by the stored parameters at once.
        using var generator = new Generator(0);
        var networks = new AgentNetworks(header.Agents, header.ObservationSize, centralized ? header.StateSize : header.ObservationSize, maskOffset,
            hp.HiddenSize, hp.HiddenLayers, hp.ShareParameters, generator);
        try
        {
            networks.load(reader);
        }
        catch
        {
            networks.Dispose();
            throw;
        }
        return (header, iteration, networks);
    }

    private static CheckpointHeader ReadHeader(BinaryReader reader)
    {
        string magic;
        try { magic = reader.ReadString(); }
        catch (EndOfStreamException) { throw new InvalidDataException("This is not a LEED Studio checkpoint (it is empty or cut short)."); }
        if (magic != Magic) throw new InvalidDataException("This is not a LEED Studio checkpoint.");
        int format = reader.ReadInt32();
        if (format != Format) throw new InvalidDataException($"Checkpoint format {format} is not supported (this build reads format {Format}).");
        return JsonSerializer.Deserialize<CheckpointHeader>(reader.ReadString())
            ?? throw new InvalidDataException("The checkpoint's header is empty.");
    }
}

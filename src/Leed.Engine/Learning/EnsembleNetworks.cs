// Per-agent actor and critic networks as batched ensembles: one batched matmul runs every agent's own network.
using Leed.Engine.Maps;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Leed.Engine.Learning;

/// <summary>
/// M independent linear layers applied at once: member m maps its own rows with its own weights.
/// Input <c>[M, B, in]</c>, output <c>[M, B, out]</c>, one <c>bmm</c> plus an in-place bias add
/// (TorchSharp 0.107's <c>baddbmm</c> binds its three tensors in the wrong order, so it is avoided). Members never share
/// parameters, so a loss on member i's output has exactly zero gradient on member j's weights.
/// </summary>
public sealed class EnsembleLinear : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight; // [M, in, out]
    private readonly Parameter bias;   // [M, 1, out]

    /// <param name="gain">Orthogonal-init gain (CleanRL: sqrt(2) hidden, 0.01 policy head, 1 value head).</param>
    /// <param name="generator">Draws the initial weights, so initialisation does not depend on torch's global generator.</param>
    public EnsembleLinear(int members, int inputs, int outputs, double gain, Generator generator) : base(nameof(EnsembleLinear))
    {
        weight = new Parameter(empty(members, inputs, outputs));
        bias = new Parameter(zeros(members, 1, outputs));
        // One thread for the QRs: at these sizes libtorch's threaded QR only synchronises. Measured on
        // the project's 2-core machine under load: 20 agents' networks took 9.4 s to build at 2
        // threads and 0.14 s at 1, which at 1,000 agents would have been minutes before training.
        int threads = torch.get_num_threads();
        torch.set_num_threads(1);
        try
        {
            using var noGrad = no_grad();
            for (int m = 0; m < members; m++)
            {
                using var slice = weight[m];
                Orthogonal(slice, gain, generator);
            }
        }
        finally
        {
            torch.set_num_threads(threads);
        }
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => Apply(input, weight, bias);

    /// <summary>The layer for weights <c>[M, in, out]</c> and biases <c>[M, 1, out]</c>: this layer's own, or some members' views of them.</summary>
    internal static Tensor Apply(Tensor input, Tensor weight, Tensor bias) => input.bmm(weight).add_(bias, HeldScalars.One);

    internal Parameter Weight => weight;
    internal Parameter Bias => bias;

    /// <summary>
    /// Fills a 2-D tensor with a (semi-)orthogonal matrix times <paramref name="gain"/>, as
    /// <c>torch.nn.init.orthogonal_</c> does (QR of a Gaussian matrix, signs fixed by R's diagonal),
    /// but drawing from <paramref name="generator"/>.
    /// </summary>
    public static void Orthogonal(Tensor target, double gain, Generator generator)
    {
        using var scope = NewDisposeScope();
        long rows = target.shape[0], columns = target.shape[1];
        bool tall = rows >= columns;
        Tensor gaussian = tall ? randn(rows, columns, generator: generator) : randn(columns, rows, generator: generator);
        (Tensor q, Tensor r) = linalg.qr(gaussian);
        Tensor orthogonal = q.mul(r.diagonal().sign().unsqueeze(0));
        using Scalar scale = gain;
        target.copy_((tall ? orthogonal : orthogonal.t()).mul(scale));
    }
}

/// <summary>An ensemble MLP: tanh hidden layers, a linear head; <c>[M, B, in] -> [M, B, out]</c>.</summary>
public sealed class EnsembleMlp : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<EnsembleLinear> hidden;
    private readonly EnsembleLinear head;

    public EnsembleMlp(int members, int inputs, int hiddenSize, int hiddenLayers, int outputs, double headGain, Generator generator)
        : base(nameof(EnsembleMlp))
    {
        hidden = new ModuleList<EnsembleLinear>();
        for (int layer = 0; layer < hiddenLayers; layer++)
            hidden.Add(new EnsembleLinear(members, layer == 0 ? inputs : hiddenSize, hiddenSize, Math.Sqrt(2), generator));
        head = new EnsembleLinear(members, hiddenLayers == 0 ? inputs : hiddenSize, outputs, headGain, generator);
        RegisterComponents();
        Weights = new MlpWeights([.. hidden.Select(layer => layer.Weight), head.Weight], [.. hidden.Select(layer => layer.Bias), head.Bias]);
    }

    /// <summary>This network's own parameters, layer by layer.</summary>
    internal MlpWeights Weights { get; }

    public override Tensor forward(Tensor input) => Weights.Forward(input);
}

/// <summary>
/// An ensemble MLP's weights <c>[M, in, out]</c> and biases <c>[M, 1, out]</c>, layer by layer (the
/// hidden layers, then the head): the module's own parameters, or views of some members' part of
/// them, which run those members' networks only.
/// </summary>
internal sealed record MlpWeights(Tensor[] Weights, Tensor[] Biases)
{
    public int HiddenLayers => Weights.Length - 1;

    public Tensor Forward(Tensor input) => HiddenLayers == 0 ? Layer(input, 0) : FromFirstHidden(Layer(input, 0).tanh_());

    /// <summary>The rest of the network after its first hidden layer's activation <c>[M, B, H]</c>.</summary>
    public Tensor FromFirstHidden(Tensor activation)
    {
        Tensor x = activation;
        for (int layer = 1; layer < HiddenLayers; layer++) x = Layer(x, layer).tanh_();
        return Layer(x, HiddenLayers);
    }

    /// <summary>Views of members <paramref name="first"/>.. (<paramref name="count"/> of them): for acting, where no gradient flows back through the views.</summary>
    public MlpWeights Members(long first, long count) =>
        new([.. Weights.Select(weight => weight.narrow(0, first, count))], [.. Biases.Select(bias => bias.narrow(0, first, count))]);

    private Tensor Layer(Tensor input, int layer) => EnsembleLinear.Apply(input, Weights[layer], Biases[layer]);
}

/// <summary>
/// Every agent's actor and critic. By default each agent has its own parameters (a member of each
/// ensemble). With <c>shareParameters</c> there is one member and each row carries a one-hot agent
/// id, so the same shapes go in and out. The critic reads either the agent's observation (IPPO,
/// LEED) or the global state (MAPPO): one critic per agent on the same state, so each learns its
/// own agent's return without needing an id.
/// </summary>
public sealed class AgentNetworks : nn.Module
{
    /// <summary>The logit of an invalid action: finite, so softmax gives it exactly 0 and entropy and log-probabilities stay free of NaN.</summary>
    public const float MaskedLogit = -1e9f;

    private readonly EnsembleMlp actor;
    private readonly EnsembleMlp critic;

    public AgentNetworks(int agents, int observationSize, int criticInputSize, int maskOffset, int hiddenSize, int hiddenLayers,
        bool shareParameters, Generator generator) : base(nameof(AgentNetworks))
    {
        Agents = agents;
        ObservationSize = observationSize;
        CriticInputSize = criticInputSize;
        MaskOffset = maskOffset;
        SharedParameters = shareParameters;
        int members = shareParameters ? 1 : agents, id = shareParameters ? agents : 0;
        actor = new EnsembleMlp(members, observationSize + id, hiddenSize, hiddenLayers, Directions.ActionCount, 0.01, generator);
        critic = new EnsembleMlp(members, criticInputSize + id, hiddenSize, hiddenLayers, 1, 1.0, generator);
        RegisterComponents();
        All = new AgentSlice(0, agents, actor.Weights, critic.Weights);
    }

    public int Agents { get; }
    public int ObservationSize { get; }
    public int CriticInputSize { get; }
    public int MaskOffset { get; }
    public bool SharedParameters { get; }

    /// <summary>Every agent's networks, as the module's own parameters.</summary>
    internal AgentSlice All { get; }

    /// <summary>Observations <c>[N, B, O]</c> to action logits <c>[N, B, A]</c>, invalid actions at <see cref="MaskedLogit"/>.</summary>
    public Tensor Logits(Tensor observations) => Logits(observations, All);

    /// <summary>Critic inputs <c>[N, B, C]</c> to values <c>[N, B]</c>.</summary>
    public Tensor Values(Tensor inputs) => Values(inputs, All);

    /// <summary>
    /// <see cref="Logits(Tensor)"/> and <see cref="Values(Tensor)"/> of the same observations <c>[N, B, O]</c>, for a
    /// critic that reads the agent's observation (not the global state). The actor's and the
    /// critic's first layers read the same rows, so they run as one matmul against their weights
    /// side by side, <c>[N, O, 2H]</c>: the rows are read and packed once, and the two first layers
    /// cost one wider GEMM, one bias add and one tanh instead of two of each. Each output column
    /// still depends on its own network's weights only, so the gradients are those of the separate
    /// passes (and agent i's loss still gives agent j's parameters exactly zero gradient).
    /// </summary>
    public (Tensor Logits, Tensor Values) LogitsAndValues(Tensor observations) => LogitsAndValues(observations, All);

    /// <summary>
    /// Logits <c>[n, B, A]</c> of agents <paramref name="firstAgent"/>.. for their observations
    /// <c>[n, B, O]</c>, without running the other agents' networks; for acting (no gradient).
    /// </summary>
    public Tensor Logits(Tensor observations, int firstAgent)
    {
        if (firstAgent == 0 && observations.shape[0] == Agents) return Logits(observations);
        if (SharedParameters) throw new InvalidOperationException("With shared parameters every agent runs the one network: pass all agents' observations.");
        return Mask(actor.Weights.Members(firstAgent, observations.shape[0]).Forward(observations), observations);
    }

    /// <summary>Sets the logits of actions the observation's mask forbids to <see cref="MaskedLogit"/>.</summary>
    public Tensor Mask(Tensor logits, Tensor observations)
    {
        Tensor invalid = observations.narrow(-1, MaskOffset, Directions.ActionCount).lt(HeldScalars.Half); // [N, B, A]
        return logits.masked_fill(invalid, HeldScalars.MaskedLogit);
    }

    /// <summary>Logits <c>[n, B, A]</c> of the slice's agents for their observations <c>[n, B, O]</c>.</summary>
    internal Tensor Logits(Tensor observations, AgentSlice slice) => Mask(Run(slice.Actor, observations), observations);

    /// <summary>Values <c>[n, B]</c> of the slice's agents for their critic inputs <c>[n, B, C]</c>.</summary>
    internal Tensor Values(Tensor inputs, AgentSlice slice) => Run(slice.Critic, inputs).squeeze(-1);

    /// <summary>See <see cref="LogitsAndValues(Tensor)"/>; the slice's agents only.</summary>
    internal (Tensor Logits, Tensor Values) LogitsAndValues(Tensor observations, AgentSlice slice)
    {
        MlpWeights actorWeights = slice.Actor, criticWeights = slice.Critic;
        if (CriticInputSize != ObservationSize || actorWeights.HiddenLayers == 0 || criticWeights.HiddenLayers == 0)
            return (Logits(observations, slice), Values(observations, slice));
        long width = actorWeights.Weights[0].shape[2];
        Tensor weight = cat([actorWeights.Weights[0], criticWeights.Weights[0]], 2);           // [M, O, 2H]
        Tensor bias = cat([actorWeights.Biases[0], criticWeights.Biases[0]], 2);               // [M, 1, 2H]
        Tensor[] hidden = EnsembleLinear.Apply(Joined(observations), weight, bias).tanh_().split([width, width], 2); // 2 x [M, rows, H]
        Tensor logits = PerAgent(actorWeights.FromFirstHidden(hidden[0]), observations);        // [n, B, A]
        Tensor values = PerAgent(criticWeights.FromFirstHidden(hidden[1]), observations).squeeze(-1); // [n, B]
        return (Mask(logits, observations), values);
    }

    /// <summary>
    /// At most this many bytes per agent slice's minibatch observations <c>[mb, n, O]</c> and
    /// first-layer activations <c>[n, mb, 2H]</c>. glibc's malloc reuses freed blocks below 32 MB;
    /// above, every tensor is fresh pages from the kernel, mapped, zeroed and unmapped again. With
    /// all 1,000 agents in one minibatch, 27% of the CPU time went to that (perf, 2-core machine).
    /// </summary>
    internal const long SliceBytes = 16 << 20;

    /// <summary>
    /// The agents in slices for an update of <paramref name="minibatchRows"/> rows per agent:
    /// every agent in one slice when their tensors fit <see cref="SliceBytes"/> (and always with
    /// shared parameters). A slice's networks are leaf views of the parameters whose gradients are
    /// views of <paramref name="gradientOf"/>(parameter), so backward over one slice fills exactly
    /// its agents' part of the gradients.
    /// </summary>
    internal IReadOnlyList<AgentSlice> Slices(int minibatchRows, Func<Parameter, Tensor> gradientOf, long sliceBytes = SliceBytes)
    {
        long widest = Math.Max(ObservationSize, 2 * actor.Weights.Weights[0].shape[2]);
        int agentsPerSlice = (int)Math.Clamp(sliceBytes / (minibatchRows * widest * sizeof(float)), 1, Agents);
        if (SharedParameters || agentsPerSlice >= Agents) return [All];
        var slices = new List<AgentSlice>();
        for (int first = 0; first < Agents; first += agentsPerSlice)
        {
            int count = Math.Min(agentsPerSlice, Agents - first);
            MlpWeights Leaves(EnsembleMlp network) => new(
                [.. network.Weights.Weights.Select(weight => AgentSlice.Leaf((Parameter)weight, first, count, gradientOf))],
                [.. network.Weights.Biases.Select(bias => AgentSlice.Leaf((Parameter)bias, first, count, gradientOf))]);
            slices.Add(new AgentSlice(first, count, Leaves(actor), Leaves(critic), OwnsViews: true));
        }
        return slices;
    }

    private Tensor Run(MlpWeights network, Tensor input) => PerAgent(network.Forward(Joined(input)), input);

    /// <summary>The network's input rows: as given, or with shared parameters all agents' rows with their one-hot ids, <c>[1, N*B, D+N]</c>.</summary>
    private Tensor Joined(Tensor input)
    {
        if (!SharedParameters) return input;
        long n = input.shape[0], rows = input.shape[1];
        Tensor id = eye(n).unsqueeze(1).expand(n, rows, n);                             // [N, B, N]
        return cat([input, id], -1).reshape(1, n * rows, -1);                            // [1, N*B, D+N]
    }

    /// <summary>A network's output back per agent, <c>[N, B, out]</c> (with shared parameters it was <c>[1, N*B, out]</c>).</summary>
    private Tensor PerAgent(Tensor output, Tensor input) => SharedParameters ? output.reshape(input.shape[0], input.shape[1], -1) : output;
}

/// <summary>Agents <see cref="First"/>.. (<see cref="Count"/> of them) and their actor and critic weights (<see cref="OwnsViews"/>: leaf views made for the slice, disposed with it).</summary>
internal sealed record AgentSlice(int First, int Count, MlpWeights Actor, MlpWeights Critic, bool OwnsViews = false) : IDisposable
{
    public void Dispose()
    {
        if (!OwnsViews) return;
        foreach (Tensor tensor in Actor.Weights.Concat(Actor.Biases).Concat(Critic.Weights).Concat(Critic.Biases)) tensor.Dispose();
    }

    /// <summary>
    /// Members first.. of a parameter as a leaf of their own that shares its memory, with its
    /// gradient pointed at the same members' part of the parameter's gradient buffer.
    /// </summary>
    public static Tensor Leaf(Parameter parameter, int first, int count, Func<Parameter, Tensor> gradientOf)
    {
        Tensor leaf = parameter.narrow(0, first, count).detach().requires_grad_(true).DetachFromDisposeScope();
        leaf.grad = gradientOf(parameter).narrow(0, first, count).DetachFromDisposeScope();
        return leaf;
    }
}

// The policy's actions at every rollout step, with groups of agents' networks run side by side on parallel threads.
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using Leed.Engine.Maps;
using TorchSharp;
using static TorchSharp.torch;

namespace Leed.Engine.Learning;

/// <summary>
/// Samples every agent's action for one rollout step from the algorithm's policy (the network, or
/// uniform over the valid actions) and keeps the masked logits for the update. The agents' networks
/// are independent, so with <see cref="Hyperparameters.RolloutThreads"/> above 1 the agents are
/// split into that many contiguous groups whose forward passes run at once, each on its own thread
/// with one torch thread. Torch's own threads cannot do this: a step's tensors have a few thousand
/// elements, and waking a second thread for every small operation cost more than it saved. The
/// random draws are made for all agents in one call per step (by <see cref="NoiseAhead"/>, ahead of
/// the steps), so the actions are the same numbers whatever the thread count.
/// </summary>
internal sealed class RolloutPolicy : IDisposable
{
    private readonly AgentNetworks _networks;
    private readonly PolicyKind _policy;
    private readonly AgentGroups _groups;
    private readonly NoiseAhead _noise;
    private readonly int _agents, _envs;

    public RolloutPolicy(AgentNetworks networks, PolicyKind policy, int envs, int steps, int threads, Generator generator)
    {
        (_networks, _policy) = (networks, policy);
        (_agents, _envs) = (networks.Agents, envs);
        // Shared parameters are one network for every agent: nothing to split.
        _groups = new AgentGroups(_agents, networks.SharedParameters ? 1 : threads);
        _noise = new NoiseAhead(generator, steps, _agents, envs);
    }

    /// <summary>
    /// Starts drawing the rollout's random numbers (see <see cref="NoiseAhead"/>). Call before the
    /// rollout's first <see cref="Act"/>; nothing else may use the generator until its last.
    /// </summary>
    public void BeginRollout() => _noise.Begin();

    /// <summary>
    /// Samples step <paramref name="t"/>'s actions for observations <c>[N, E, O]</c> and writes them,
    /// <c>[E, N]</c>, to <paramref name="envActions"/> (int32) and, when given, <paramref name="storedActions"/>
    /// (int64); the masked logits go to <paramref name="logits"/> <c>[E, N, A]</c> when it is given.
    /// Call inside a dispose scope.
    /// </summary>
    public void Act(int t, Tensor observations, Tensor envActions, Tensor? storedActions, Tensor? logits)
    {
        using var noGrad = no_grad();
        Tensor noise = _noise.Step(t);                                                                // [N, E, A]
        _groups.Run((first, count) =>
        {
            using var scope = NewDisposeScope();
            using var groupNoGrad = no_grad();
            Tensor groupLogits = Logits(_networks, _policy, observations.narrow(0, first, count), first).contiguous(); // [n, E, A]
            logits?.narrow(1, first, count).copy_(groupLogits.transpose(0, 1));
            ReadOnlySpan<float> logitRows = Floats(groupLogits), noiseRows = Floats(noise.narrow(0, first, count));
            Span<int> toEnv = MemoryMarshal.Cast<byte, int>(envActions.bytes);
            Span<long> toStore = storedActions is null ? default : MemoryMarshal.Cast<byte, long>(storedActions.bytes);
            for (int agent = first, row = 0; agent < first + count; agent++)
                for (int env = 0; env < _envs; env++, row++)
                {
                    int action = Draw(logitRows.Slice(row * Directions.ActionCount, Directions.ActionCount), noiseRows.Slice(row * Directions.ActionCount, Directions.ActionCount));
                    toEnv[env * _agents + agent] = action;
                    if (storedActions is not null) toStore[env * _agents + agent] = action;
                }
        });
    }

    /// <summary>Masked logits <c>[n, B, A]</c> of the policy for agents <paramref name="firstAgent"/>.. and their observations <c>[n, B, O]</c>.</summary>
    public static Tensor Logits(AgentNetworks networks, PolicyKind policy, Tensor observations, int firstAgent = 0) => policy == PolicyKind.Network
        ? networks.Logits(observations, firstAgent)
        : networks.Mask(zeros(observations.shape[0], observations.shape[1], Directions.ActionCount), observations); // uniform over the valid actions

    /// <summary>
    /// The random numbers of one draw per row from logits shaped <c>[N, B, A]</c>: <c>Exp(1)</c>
    /// samples, made in the order libtorch's <c>multinomial</c> makes them for one draw.
    /// </summary>
    public static Tensor Noise(Generator generator, long agents, long rows) =>
        empty(agents, rows, Directions.ActionCount).exponential_(1, generator);                   // [N, B, A]

    /// <summary>One action per row <c>[N, B]</c> (int64) from masked logits <c>[N, B, A]</c> and <see cref="Noise"/>, each row by <see cref="Draw"/>.</summary>
    public static Tensor SampleWith(Tensor logits, Tensor noise)
    {
        Tensor rows = logits.contiguous(), draws = noise.contiguous();
        Tensor actions = empty(logits.shape[0], logits.shape[1], dtype: ScalarType.Int64);
        ReadOnlySpan<float> logitRows = Floats(rows), noiseRows = Floats(draws);
        Span<long> chosen = MemoryMarshal.Cast<byte, long>(actions.bytes);
        for (int row = 0; row < chosen.Length; row++)
            chosen[row] = Draw(logitRows.Slice(row * Directions.ActionCount, Directions.ActionCount), noiseRows.Slice(row * Directions.ActionCount, Directions.ActionCount));
        return actions;
    }

    /// <summary>
    /// One draw from the softmax of one row of masked logits, by the exponential race: the argmax
    /// of <c>p_a / q_a</c> with <c>q ~ Exp(1)</c> (the first on a tie). It is what libtorch's
    /// <c>multinomial</c> computes for one draw (up to the rounding of <c>exp</c>); masked actions
    /// have <c>p = 0</c> exactly, so they never win. Written out because the four libtorch calls
    /// it replaces (softmax, divide, argmax, copy) cost a sixth of a rollout step.
    /// </summary>
    public static int Draw(ReadOnlySpan<float> logits, ReadOnlySpan<float> noise)
    {
        float max = logits[0];
        for (int a = 1; a < logits.Length; a++) max = Math.Max(max, logits[a]);
        int best = 0;
        float bestScore = float.NegativeInfinity;
        for (int a = 0; a < logits.Length; a++)
        {
            float score = MathF.Exp(logits[a] - max) / noise[a];
            if (score > bestScore) (best, bestScore) = (a, score);
        }
        return best;
    }

    private static ReadOnlySpan<float> Floats(Tensor tensor) => MemoryMarshal.Cast<byte, float>(tensor.bytes);

    public void Dispose()
    {
        _groups.Dispose();
        _noise.Dispose();
    }
}

/// <summary>
/// Draws a rollout's random numbers, one <c>[N, E, A]</c> tensor per step in step order, on a thread
/// of its own while the steps run: the same calls on the same generator in the same order as
/// drawing each at its step (so the same numbers), off the steps' path. A draw of 20 agents x 16
/// environments cost about 80 microseconds of a step's 600 (libtorch sets up a random stream per call).
/// </summary>
internal sealed class NoiseAhead : IDisposable
{
    private readonly Generator _generator;
    private readonly Tensor _buffer; // [T, N, E, A]
    private readonly TorchWorker _worker = new("rollout noise");
    private readonly Action<int, int> _draw;
    private volatile int _drawn;     // steps of this rollout drawn so far
    private bool _begun;

    public NoiseAhead(Generator generator, int steps, int agents, int envs)
    {
        _generator = generator;
        _buffer = empty(steps, agents, envs, Directions.ActionCount).DetachFromDisposeScope();
        _draw = (_, _) => DrawAll();
    }

    /// <summary>Starts drawing the next rollout's steps (after the last rollout's draws, should it have stopped before reading them all).</summary>
    public void Begin()
    {
        if (_begun) _worker.End();
        _begun = true;
        _drawn = 0;
        _worker.Begin(_draw, 0, 0);
    }

    /// <summary>Step <paramref name="t"/>'s draws <c>[N, E, A]</c> (a view of the buffer), waiting for them if they are not drawn yet.</summary>
    public Tensor Step(int t)
    {
        var spin = new SpinWait();
        while (_drawn <= t)
        {
            // Done without drawing step t: the draws failed (_drawn is read again after the worker is seen done).
            if (_worker.IsDone && _drawn <= t) throw new InvalidOperationException("Drawing the rollout's random numbers failed.", _worker.End());
            spin.SpinOnce(sleep1Threshold: -1);
        }
        return _buffer[t];
    }

    private void DrawAll()
    {
        using var noGrad = no_grad();
        for (int t = 0; t < _buffer.shape[0]; t++)
        {
            using (var scope = NewDisposeScope()) _buffer[t].exponential_(1, _generator);
            _drawn = t + 1;
        }
    }

    public void Dispose()
    {
        _worker.Dispose();
        _buffer.Dispose();
    }
}

/// <summary>
/// Splits N agents into contiguous groups and runs the same work for every group at once: the
/// calling thread takes the first group, one dedicated thread each of the others. Each worker runs
/// torch with one thread; dispose scopes and the no-grad mode are per thread in TorchSharp, so the
/// work opens its own.
/// </summary>
internal sealed class AgentGroups : IDisposable
{
    private readonly (int First, int Count)[] _groups;
    private readonly TorchWorker[] _workers;

    public AgentGroups(int agents, int groups)
    {
        int count = Math.Clamp(groups, 1, Math.Max(1, agents));
        _groups = [.. Enumerable.Range(0, count).Select(g => (agents * g / count, agents * (g + 1) / count - agents * g / count))];
        _workers = [.. Enumerable.Range(1, count - 1).Select(g => new TorchWorker($"rollout group {g}"))];
    }

    /// <summary>Runs <paramref name="work"/>(first agent, agent count) for every group; returns when all are done, rethrowing a group's exception.</summary>
    public void Run(Action<int, int> work)
    {
        for (int g = 1; g < _groups.Length; g++) _workers[g - 1].Begin(work, _groups[g].First, _groups[g].Count);
        Exception? error = null;
        try
        {
            work(_groups[0].First, _groups[0].Count);
        }
        catch (Exception caught)
        {
            error = caught;
        }
        foreach (TorchWorker worker in _workers) error ??= worker.End();
        if (error is not null) ExceptionDispatchInfo.Throw(error);
    }

    public void Dispose()
    {
        foreach (TorchWorker worker in _workers) worker.Dispose();
    }
}

/// <summary>
/// A dedicated thread that runs one piece of work at a time, with one torch thread: the rollout's
/// agent groups and its random draws run on these.
/// </summary>
internal sealed class TorchWorker : IDisposable
{
    private readonly Thread _thread;
    private readonly ManualResetEventSlim _start = new(false), _done = new(false);
    private Action<int, int>? _work;
    private int _first, _count;
    private Exception? _error;
    private volatile bool _stopping;

    public TorchWorker(string name)
    {
        _thread = new Thread(Loop) { IsBackground = true, Name = name };
        _thread.Start();
    }

    public void Begin(Action<int, int> work, int first, int count)
    {
        (_work, _first, _count, _error) = (work, first, count, null);
        _done.Reset();
        _start.Set();
    }

    /// <summary>Whether the work begun last has finished.</summary>
    public bool IsDone => _done.IsSet;

    /// <summary>Waits for the work begun last; its exception, if it threw.</summary>
    public Exception? End()
    {
        _done.Wait();
        return _error;
    }

    private void Loop()
    {
        while (true)
        {
            _start.Wait();
            _start.Reset();
            if (_stopping) return;
            try
            {
                // Per thread in libtorch (OpenMP and MKL read it per calling thread); set here, while the rollout runs at one thread.
                torch.set_num_threads(1);
                _work!(_first, _count);
            }
            catch (Exception error)
            {
                _error = error;
            }
            _done.Set();
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _start.Set();
        _thread.Join();
        _start.Dispose();
        _done.Dispose();
    }
}

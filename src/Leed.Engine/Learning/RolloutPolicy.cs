// The policy's actions at every rollout step, with groups of agents' networks run side by side on parallel threads.
using System.Runtime.ExceptionServices;
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
/// random draws are made for all agents in one call before the groups start, so the actions are
/// the same numbers whatever the thread count.
/// </summary>
internal sealed class RolloutPolicy : IDisposable
{
    private readonly AgentNetworks _networks;
    private readonly PolicyKind _policy;
    private readonly Generator _generator;
    private readonly AgentGroups _groups;
    private readonly Tensor _actions; // [N, E] int64, each group writes its own agents' rows
    private readonly int _agents, _envs;

    public RolloutPolicy(AgentNetworks networks, PolicyKind policy, int envs, int threads, Generator generator)
    {
        (_networks, _policy, _generator) = (networks, policy, generator);
        (_agents, _envs) = (networks.Agents, envs);
        // Shared parameters are one network for every agent: nothing to split.
        _groups = new AgentGroups(_agents, networks.SharedParameters ? 1 : threads);
        _actions = zeros(_agents, envs, dtype: ScalarType.Int64).DetachFromDisposeScope();
    }

    /// <summary>
    /// Actions <c>[N, E]</c> (a buffer reused every step) for observations <c>[N, E, O]</c>; the
    /// masked logits go to <paramref name="logits"/> <c>[E, N, A]</c> when it is given. Call inside a dispose scope.
    /// </summary>
    public Tensor Act(Tensor observations, Tensor? logits)
    {
        using var noGrad = no_grad();
        Tensor noise = Noise(_generator, _agents, _envs);                                            // [N, E, A]
        _groups.Run((first, count) =>
        {
            using var scope = NewDisposeScope();
            using var groupNoGrad = no_grad();
            Tensor groupLogits = Logits(_networks, _policy, observations.narrow(0, first, count), first); // [n, E, A]
            logits?.narrow(1, first, count).copy_(groupLogits.transpose(0, 1));
            _actions.narrow(0, first, count).copy_(SampleWith(groupLogits, noise.narrow(0, first, count)));
        });
        return _actions;
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

    /// <summary>
    /// One action per row from masked logits <c>[N, B, A]</c> and <see cref="Noise"/>: the
    /// exponential race, argmax of <c>p / q</c> with <c>q ~ Exp(1)</c>, which draws from the softmax
    /// (masked actions have probability exactly 0, so they never win). It is exactly what
    /// libtorch's <c>multinomial</c> computes for one draw, without its checks of the whole tensor,
    /// which cost a third of the rollout's sampling.
    /// </summary>
    public static Tensor SampleWith(Tensor logits, Tensor noise) => logits.softmax(-1).div(noise).argmax(-1); // [N, B]

    public void Dispose()
    {
        _groups.Dispose();
        _actions.Dispose();
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
    private readonly Worker[] _workers;

    public AgentGroups(int agents, int groups)
    {
        int count = Math.Clamp(groups, 1, Math.Max(1, agents));
        _groups = [.. Enumerable.Range(0, count).Select(g => (agents * g / count, agents * (g + 1) / count - agents * g / count))];
        _workers = [.. Enumerable.Range(1, count - 1).Select(g => new Worker($"rollout group {g}"))];
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
        foreach (Worker worker in _workers) error ??= worker.End();
        if (error is not null) ExceptionDispatchInfo.Throw(error);
    }

    public void Dispose()
    {
        foreach (Worker worker in _workers) worker.Dispose();
    }

    private sealed class Worker : IDisposable
    {
        private readonly Thread _thread;
        private readonly ManualResetEventSlim _start = new(false), _done = new(false);
        private Action<int, int>? _work;
        private int _first, _count;
        private Exception? _error;
        private volatile bool _stopping;

        public Worker(string name)
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
}

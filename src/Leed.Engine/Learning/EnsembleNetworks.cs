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

    public override Tensor forward(Tensor input) => input.bmm(weight).add_(bias, HeldScalars.One);

    /// <summary>Members <paramref name="first"/>.. only, for their rows <c>[m, B, in]</c> (no gradient: slicing the parameters would add to backward).</summary>
    internal Tensor ForwardMembers(Tensor input, long first) =>
        input.bmm(weight.narrow(0, first, input.shape[0])).add_(bias.narrow(0, first, input.shape[0]), HeldScalars.One);

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
    }

    public override Tensor forward(Tensor input) => hidden.Count == 0 ? head.forward(input) : FromFirstHidden(hidden[0].forward(input).tanh_());

    /// <summary>Members <paramref name="first"/>.. only, for their rows <c>[m, B, in]</c>; see <see cref="EnsembleLinear.ForwardMembers"/>.</summary>
    internal Tensor ForwardMembers(Tensor input, long first)
    {
        Tensor x = input;
        foreach (EnsembleLinear layer in hidden) x = layer.ForwardMembers(x, first).tanh_();
        return head.ForwardMembers(x, first);
    }

    internal int HiddenLayers => hidden.Count;
    internal EnsembleLinear FirstLayer => hidden[0];

    /// <summary>The rest of the network after its first hidden layer's activation <c>[M, B, H]</c>.</summary>
    internal Tensor FromFirstHidden(Tensor activation)
    {
        Tensor x = activation;
        for (int layer = 1; layer < hidden.Count; layer++) x = hidden[layer].forward(x).tanh_();
        return head.forward(x);
    }
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
    }

    public int Agents { get; }
    public int ObservationSize { get; }
    public int CriticInputSize { get; }
    public int MaskOffset { get; }
    public bool SharedParameters { get; }

    /// <summary>Observations <c>[N, B, O]</c> to action logits <c>[N, B, A]</c>, invalid actions at <see cref="MaskedLogit"/>.</summary>
    public Tensor Logits(Tensor observations)
    {
        Tensor logits = Run(actor, observations);                                       // [N, B, A]
        return Mask(logits, observations);
    }

    /// <summary>
    /// Logits <c>[n, B, A]</c> of agents <paramref name="firstAgent"/>.. for their observations
    /// <c>[n, B, O]</c>, without running the other agents' networks; for acting (no gradient).
    /// </summary>
    public Tensor Logits(Tensor observations, int firstAgent)
    {
        if (firstAgent == 0 && observations.shape[0] == Agents) return Logits(observations);
        if (SharedParameters) throw new InvalidOperationException("With shared parameters every agent runs the one network: pass all agents' observations.");
        return Mask(actor.ForwardMembers(observations, firstAgent), observations);
    }

    /// <summary>Sets the logits of actions the observation's mask forbids to <see cref="MaskedLogit"/>.</summary>
    public Tensor Mask(Tensor logits, Tensor observations)
    {
        Tensor invalid = observations.narrow(-1, MaskOffset, Directions.ActionCount).lt(HeldScalars.Half); // [N, B, A]
        return logits.masked_fill(invalid, HeldScalars.MaskedLogit);
    }

    /// <summary>Critic inputs <c>[N, B, C]</c> to values <c>[N, B]</c>.</summary>
    public Tensor Values(Tensor inputs) => Run(critic, inputs).squeeze(-1);

    /// <summary>
    /// <see cref="Logits(Tensor)"/> and <see cref="Values"/> of the same observations <c>[N, B, O]</c>, for a
    /// critic that reads the agent's observation (not the global state). The actor's and the
    /// critic's first layers read the same rows, so they run as one matmul against their weights
    /// side by side, <c>[N, O, 2H]</c>: the rows are read and packed once, and the two first layers
    /// cost one wider GEMM, one bias add and one tanh instead of two of each. Each output column
    /// still depends on its own network's weights only, so the gradients are those of the separate
    /// passes (and agent i's loss still gives agent j's parameters exactly zero gradient).
    /// </summary>
    public (Tensor Logits, Tensor Values) LogitsAndValues(Tensor observations)
    {
        if (CriticInputSize != ObservationSize || actor.HiddenLayers == 0 || critic.HiddenLayers == 0)
            return (Logits(observations), Values(observations));
        EnsembleLinear first = actor.FirstLayer, criticFirst = critic.FirstLayer;
        long width = first.Weight.shape[2];
        Tensor weight = cat([first.Weight, criticFirst.Weight], 2);                          // [M, O, 2H]
        Tensor bias = cat([first.Bias, criticFirst.Bias], 2);                                // [M, 1, 2H]
        Tensor[] hidden = Joined(observations).bmm(weight).add_(bias, HeldScalars.One).tanh_().split([width, width], 2); // 2 x [M, rows, H]
        Tensor logits = PerAgent(actor.FromFirstHidden(hidden[0]), observations);            // [N, B, A]
        Tensor values = PerAgent(critic.FromFirstHidden(hidden[1]), observations).squeeze(-1); // [N, B]
        return (Mask(logits, observations), values);
    }

    private Tensor Run(EnsembleMlp network, Tensor input) => PerAgent(network.forward(Joined(input)), input);

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

// A fixed seed gives exactly the metrics recorded before the trainer was reorganised: refactors must not change what it computes.
using System.Globalization;
using System.Text;
using Leed.Engine.Learning;

namespace Leed.Engine.Tests.Learning;

/// <summary>
/// Every algorithm (and LEED with shared parameters and a fixed weight) runs four iterations on the
/// 16x16 preset with one torch thread, and every metric except the clock-based <c>charts/SPS</c> is
/// compared, as text at full precision, with the values recorded from the trainer before it was
/// split into its neighbouring files. Any change to a loss, a minibatch, a random stream or the
/// order of draws changes these numbers. They were recorded on x86_64 Linux with libtorch 2.10 (CPU,
/// AMD EPYC), and those of the five learning algorithms recorded again (on an Intel Xeon) when the
/// per-agent gradient clip was fixed: it had never clipped (a <c>sum(0)</c> that TorchSharp resolves
/// to a sum into bytes made every norm 0). Another CPU's vector kernels round float sums differently (an Intel Xeon with AVX-512
/// differs in the 6th to 7th significant digit), so values are compared to a relative 1e-4
/// (<see cref="Tolerance"/>): far below what a changed loss, minibatch or draw moves them by, and a
/// discrete outcome (a return, an arrival, an episode count) that a flipped action would change
/// still has to match to that precision. The failure message prints the actual values.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class TrainerGoldenTests
{
    private static Hyperparameters Small => LearningFixtures.Tiny with { Steps = 64, Threads = 1 };

    public static TheoryData<string> Cases => ["leed", "leed-shared-fixed", "ippo", "mappo", "bc", "demo", "random"];

    [Theory]
    [MemberData(nameof(Cases))]
    public void AFixedSeed_GivesTheRecordedMetrics(string name)
    {
        string actual = Fingerprint(name);

        Assert.True(Golden.TryGetValue(name, out string? expected), $"No recorded metrics for {name}; actual:\n{actual}");
        string? difference = FirstDifference(expected!, actual);
        Assert.True(difference is null, $"{name} no longer gives the recorded metrics: {difference}.\nexpected:\n{expected}\nactual:\n{actual}");
    }

    /// <summary>Relative difference allowed between a recorded and a computed value (plus 1e-7 absolute, for values near zero).</summary>
    private const double Tolerance = 1e-4;

    /// <summary>Where two fingerprints differ beyond <see cref="Tolerance"/> (iteration, step and metric names must match exactly), or null.</summary>
    private static string? FirstDifference(string expected, string actual)
    {
        string[] want = expected.Split('\n', StringSplitOptions.RemoveEmptyEntries), got = actual.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (want.Length != got.Length) return $"{got.Length} iterations instead of {want.Length}";
        for (int line = 0; line < want.Length; line++)
        {
            string[] w = want[line].Split(' '), g = got[line].Split(' ');
            if (w.Length != g.Length || w[0] != g[0] || w[1] != g[1]) return $"iteration line {line + 1} has other metrics or progress";
            for (int k = 2; k < w.Length; k++)
            {
                string[] wp = w[k].Split('='), gp = g[k].Split('=');
                if (wp[0] != gp[0]) return $"iteration {w[0]}: {gp[0]} where {wp[0]} was recorded";
                double e = double.Parse(wp[1], CultureInfo.InvariantCulture), a = double.Parse(gp[1], CultureInfo.InvariantCulture);
                if (Math.Abs(a - e) > Tolerance * Math.Abs(e) + 1e-7) return $"iteration {w[0]}: {wp[0]} is {gp[1]}, recorded {wp[1]}";
            }
        }
        return null;
    }

    [Fact]
    public void ACheckpoint_IsByteForByteTheRecordedFormat()
    {
        // LEED with the dynamic schedule after two iterations: header, networks, Adam's moments,
        // the generator's state and the weights. Checkpoints written before the trainer was
        // reorganised must load unchanged, so the layout it writes must not change either: the
        // bytes up to the networks exactly, and the total length. (The floats after them round
        // differently on another CPU, see the class comment; loading them is tested with the checkpoints.)
        using var trainer = new Trainer(LearningFixtures.Small, LearningFixtures.SmallDemos, Algorithm.Leed, WeightSchedules.Parse("dynamic"), Small, seed: 7);
        trainer.RunIteration();
        trainer.RunIteration();
        using var stream = new MemoryStream();
        trainer.SaveCheckpoint(stream);

        stream.Position = 0;
        (_, int iteration, long globalStep) = Checkpoint.ReadProgress(stream);
        string prefix = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(stream.ToArray().AsSpan(0, (int)stream.Position)));
        const string Prefix = "97B457CE0A435CED6789C18B205DC70D5D9F40985E08FB62E459DADF976FD29A";
        Assert.True(prefix == Prefix, $"the checkpoint's bytes before the networks changed: SHA-256 {prefix}");
        Assert.Equal((1413656L, 2, 512L), (stream.Length, iteration, globalStep));
    }

    private static string Fingerprint(string name)
    {
        (Algorithm algorithm, Hyperparameters hp, IWeightSchedule? weights) = name switch
        {
            "leed" => (Algorithm.Leed, Small, WeightSchedules.Parse("dynamic")),                      // recorded when dynamic was the default
            "leed-shared-fixed" => (Algorithm.Leed, Small with { ShareParameters = true, Minibatches = 4 }, WeightSchedules.Parse("fixed:0.5")),
            _ => (Algorithms.Parse(name), Small, (IWeightSchedule?)null),
        };
        using var trainer = new Trainer(LearningFixtures.Small, LearningFixtures.SmallDemos, algorithm, weights, hp, seed: 7);
        var text = new StringBuilder();
        for (int k = 0; k < 4; k++)
        {
            IterationMetrics metrics = trainer.RunIteration();
            text.Append(CultureInfo.InvariantCulture, $"{metrics.Iteration} {metrics.GlobalStep}");
            foreach ((string metric, double value) in metrics.Values.OrderBy(pair => pair.Key, StringComparer.Ordinal))
                if (metric != MetricNames.StepsPerSecond) text.Append(CultureInfo.InvariantCulture, $" {metric}={value:R}");
            text.Append('\n');
        }
        return text.ToString();
    }

    private static readonly Dictionary<string, string> Golden = new()
    {
        ["leed"] = """
            1 256 agents/weight/Agent_0=1 agents/weight/Agent_1=1 agents/weight/Agent_2=1 agents/weight/Agent_3=1 charts/episodes=0 charts/learning_rate=0.001 demo/agreement=0.936170220375061 losses/approx_kl=0.0017504843417555094 losses/clipfrac=0 losses/entropy=1.1157056093215942 losses/expert_loss=1.1285948753356934 losses/explained_variance=-0.42148801264545366 losses/policy_loss=-0.0025072188582271338 losses/value_loss=0.02367277629673481
            2 512 agents/return/Agent_0=-53.75 agents/return/Agent_1=-56.25 agents/return/Agent_2=-123 agents/return/Agent_3=-91 agents/weight/Agent_0=0.9999030828475952 agents/weight/Agent_1=0.9536786675453186 agents/weight/Agent_2=0.9999988079071045 agents/weight/Agent_3=0.9999884366989136 charts/arrival_rate=0.3125 charts/congestion=0 charts/episodes=4 charts/episodic_return=-324 charts/learning_rate=0.0009000000000000001 charts/mean_travel_time=87.4 demo/agreement=0.936170220375061 demo/dtw=2.500984527920652 losses/approx_kl=0.003212931100279093 losses/clipfrac=0 losses/entropy=1.172589898109436 losses/expert_loss=0.9638774394989014 losses/explained_variance=-0.13929265428651272 losses/policy_loss=-0.006219418253749609 losses/value_loss=0.03637088090181351
            3 768 agents/weight/Agent_0=0.9999030828475952 agents/weight/Agent_1=0.9536786675453186 agents/weight/Agent_2=0.9999988079071045 agents/weight/Agent_3=0.9999884366989136 charts/episodes=0 charts/learning_rate=0.0008 demo/agreement=0.936170220375061 losses/approx_kl=0.004179599694907665 losses/clipfrac=0 losses/entropy=1.0499616861343384 losses/expert_loss=0.841124415397644 losses/explained_variance=-0.014343128246520731 losses/policy_loss=-0.0020726497750729322 losses/value_loss=0.03278021514415741
            4 1024 agents/return/Agent_0=-16.5 agents/return/Agent_1=-43.25 agents/return/Agent_2=-123 agents/return/Agent_3=-0.25 agents/weight/Agent_0=0.9991663694381714 agents/weight/Agent_1=0.9674152731895447 agents/weight/Agent_2=0.9999979734420776 agents/weight/Agent_3=0.9908427596092224 charts/arrival_rate=0.5 charts/congestion=0 charts/episodes=4 charts/episodic_return=-183 charts/learning_rate=0.0007 charts/mean_travel_time=67.75 demo/agreement=0.936170220375061 demo/dtw=2.5877318934188938 losses/approx_kl=0.004946126136928797 losses/clipfrac=0 losses/entropy=1.0939068794250488 losses/expert_loss=0.6529074907302856 losses/explained_variance=0.22374701932380203 losses/policy_loss=0.003518075682222843 losses/value_loss=0.029947834089398384

            """,
        ["leed-shared-fixed"] = """
            1 256 agents/weight/Agent_0=0.5 agents/weight/Agent_1=0.5 agents/weight/Agent_2=0.5 agents/weight/Agent_3=0.5 charts/episodes=0 charts/learning_rate=0.001 demo/agreement=0.8723404407501221 losses/approx_kl=0.017295008525252342 losses/clipfrac=0.07375776581466198 losses/entropy=1.1106925010681152 losses/expert_loss=0.974556028842926 losses/explained_variance=-1.1579570204543774 losses/policy_loss=0.008517468348145485 losses/value_loss=0.04534877836704254
            2 512 agents/return/Agent_0=-48 agents/return/Agent_1=-126 agents/return/Agent_2=-123 agents/return/Agent_3=-91 agents/weight/Agent_0=0.5 agents/weight/Agent_1=0.5 agents/weight/Agent_2=0.5 agents/weight/Agent_3=0.5 charts/arrival_rate=0.1875 charts/congestion=0 charts/episodes=4 charts/episodic_return=-388 charts/learning_rate=0.0009000000000000001 charts/mean_travel_time=80.33333333333333 demo/agreement=0.8723404407501221 demo/dtw=2.5612095413855416 losses/approx_kl=0.04552498459815979 losses/clipfrac=0.333483612164855 losses/entropy=1.0688652992248535 losses/expert_loss=0.7100082635879517 losses/explained_variance=-1.633908701734355 losses/policy_loss=0.036505091935396194 losses/value_loss=0.02956402860581875
            3 768 agents/weight/Agent_0=0.5 agents/weight/Agent_1=0.5 agents/weight/Agent_2=0.5 agents/weight/Agent_3=0.5 charts/episodes=0 charts/learning_rate=0.0008 demo/agreement=0.8723404407501221 losses/approx_kl=0.021783066913485527 losses/clipfrac=0.10692432895302773 losses/entropy=0.7653475999832153 losses/expert_loss=0.5617722272872925 losses/explained_variance=-0.12015355719011911 losses/policy_loss=-0.005828196182847023 losses/value_loss=0.02669263631105423
            4 1024 agents/return/Agent_0=19.25 agents/return/Agent_1=-127.5 agents/return/Agent_2=-123.75 agents/return/Agent_3=-22.75 agents/weight/Agent_0=0.5 agents/weight/Agent_1=0.5 agents/weight/Agent_2=0.5 agents/weight/Agent_3=0.5 charts/arrival_rate=0.3125 charts/congestion=0.007417469983920455 charts/episodes=4 charts/episodic_return=-254.75 charts/learning_rate=0.0007 charts/mean_travel_time=28.4 demo/agreement=0.8297872543334961 demo/dtw=2.530433484556285 losses/approx_kl=0.00835958868265152 losses/clipfrac=0.03661824861774221 losses/entropy=0.8854435682296753 losses/expert_loss=0.5052691102027893 losses/explained_variance=-2.8796309384256435 losses/policy_loss=-0.02652902714908123 losses/value_loss=0.0071408855728805065

            """,
        ["ippo"] = """
            1 256 charts/episodes=0 charts/learning_rate=0.001 demo/agreement=0.44680851697921753 losses/approx_kl=0.0007038741023279727 losses/clipfrac=0 losses/entropy=1.0971415042877197 losses/explained_variance=-0.42148801264545366 losses/policy_loss=-0.007742949761450291 losses/value_loss=0.02394023910164833
            2 512 agents/return/Agent_0=-80 agents/return/Agent_1=-126 agents/return/Agent_2=-123 agents/return/Agent_3=-123 charts/arrival_rate=0.0625 charts/congestion=0 charts/episodes=4 charts/episodic_return=-452 charts/learning_rate=0.0009000000000000001 charts/mean_travel_time=51 demo/agreement=0.44680851697921753 demo/dtw=2.9565327789181772 losses/approx_kl=0.00031380410655401647 losses/clipfrac=0 losses/entropy=1.2058920860290527 losses/explained_variance=-1.0627367016244 losses/policy_loss=-0.0012418834958225489 losses/value_loss=0.013998536393046379
            3 768 charts/episodes=0 charts/learning_rate=0.0008 demo/agreement=0.40425533056259155 losses/approx_kl=0.00024236802710220218 losses/clipfrac=0 losses/entropy=1.0633494853973389 losses/explained_variance=0.1735801595011317 losses/policy_loss=-0.0045877848751842976 losses/value_loss=0.020542524755001068
            4 1024 agents/return/Agent_0=-1.5 agents/return/Agent_1=-126 agents/return/Agent_2=-83.75 agents/return/Agent_3=-123 charts/arrival_rate=0.25 charts/congestion=0 charts/episodes=4 charts/episodic_return=-334.25 charts/learning_rate=0.0007 charts/mean_travel_time=62.25 demo/agreement=0.44680851697921753 demo/dtw=2.5315975324098092 losses/approx_kl=0.00031123170629143715 losses/clipfrac=0 losses/entropy=1.1574519872665405 losses/explained_variance=-0.2567081811284757 losses/policy_loss=-0.0014601608272641897 losses/value_loss=0.02232171781361103

            """,
        ["mappo"] = """
            1 256 charts/episodes=0 charts/learning_rate=0.001 demo/agreement=0.38297873735427856 losses/approx_kl=0.0008061134140007198 losses/clipfrac=0 losses/entropy=1.1111327409744263 losses/explained_variance=0.8396025163498364 losses/policy_loss=-0.006429406814277172 losses/value_loss=0.010701682418584824
            2 512 agents/return/Agent_0=-123 agents/return/Agent_1=-126 agents/return/Agent_2=-84.75 agents/return/Agent_3=-52.5 charts/arrival_rate=0.1875 charts/congestion=0 charts/episodes=4 charts/episodic_return=-386.25 charts/learning_rate=0.0009000000000000001 charts/mean_travel_time=78 demo/agreement=0.42553192377090454 demo/dtw=3.330216782051294 losses/approx_kl=0.000563381880056113 losses/clipfrac=0 losses/entropy=1.1904195547103882 losses/explained_variance=0.35439925101433223 losses/policy_loss=-0.005620724055916071 losses/value_loss=0.01997581496834755
            3 768 charts/episodes=0 charts/learning_rate=0.0008 demo/agreement=0.4680851101875305 losses/approx_kl=0.00045097514521330595 losses/clipfrac=0 losses/entropy=1.1245217323303223 losses/explained_variance=0.8538521358053284 losses/policy_loss=-0.005023366305977106 losses/value_loss=0.006150092463940382
            4 1024 agents/return/Agent_0=-84.5 agents/return/Agent_1=-126 agents/return/Agent_2=-92.5 agents/return/Agent_3=-60.25 charts/arrival_rate=0.25 charts/congestion=0 charts/episodes=4 charts/episodic_return=-363.25 charts/learning_rate=0.0007 charts/mean_travel_time=91.25 demo/agreement=0.4680851101875305 demo/dtw=3.3334210427107527 losses/approx_kl=0.00033932688529603183 losses/clipfrac=0 losses/entropy=1.1664233207702637 losses/explained_variance=0.31746857207131296 losses/policy_loss=-0.0032927433494478464 losses/value_loss=0.023502826690673828

            """,
        ["bc"] = """
            1 256 charts/episodes=0 charts/learning_rate=0.001 demo/agreement=0.936170220375061 losses/expert_loss=1.1287301778793335
            2 512 agents/return/Agent_0=-53.75 agents/return/Agent_1=-56.25 agents/return/Agent_2=-123 agents/return/Agent_3=-91 charts/arrival_rate=0.3125 charts/congestion=0 charts/episodes=4 charts/episodic_return=-324 charts/learning_rate=0.0009000000000000001 charts/mean_travel_time=87.4 demo/agreement=0.936170220375061 demo/dtw=2.496675475162858 losses/expert_loss=0.9623309373855591
            3 768 charts/episodes=0 charts/learning_rate=0.0008 demo/agreement=0.936170220375061 losses/expert_loss=0.8385040163993835
            4 1024 agents/return/Agent_0=27.5 agents/return/Agent_1=-43.25 agents/return/Agent_2=-123 agents/return/Agent_3=0.5 charts/arrival_rate=0.5625 charts/congestion=0.0006666666595265269 charts/episodes=4 charts/episodic_return=-138.25 charts/learning_rate=0.0007 charts/mean_travel_time=65 demo/agreement=0.936170220375061 demo/dtw=2.3773474968532815 losses/expert_loss=0.647973358631134

            """,
        ["demo"] = """
            1 256 agents/return/Agent_0=90 agents/return/Agent_1=87 agents/return/Agent_2=83 agents/return/Agent_3=89 charts/arrival_rate=1 charts/congestion=0 charts/episodes=8 charts/episodic_return=349 charts/learning_rate=0 charts/mean_travel_time=12.75 demo/dtw=0
            2 512 agents/return/Agent_0=90 agents/return/Agent_1=87 agents/return/Agent_2=83 agents/return/Agent_3=89 charts/arrival_rate=1 charts/congestion=0 charts/episodes=12 charts/episodic_return=349 charts/learning_rate=0 charts/mean_travel_time=12.75 demo/dtw=0
            3 768 agents/return/Agent_0=90 agents/return/Agent_1=87 agents/return/Agent_2=83 agents/return/Agent_3=89 charts/arrival_rate=1 charts/congestion=0 charts/episodes=12 charts/episodic_return=349 charts/learning_rate=0 charts/mean_travel_time=12.75 demo/dtw=0
            4 1024 agents/return/Agent_0=90 agents/return/Agent_1=87 agents/return/Agent_2=83 agents/return/Agent_3=89 charts/arrival_rate=1 charts/congestion=0 charts/episodes=12 charts/episodic_return=349 charts/learning_rate=0 charts/mean_travel_time=12.75 demo/dtw=0

            """,
        ["random"] = """
            1 256 charts/episodes=0 charts/learning_rate=0
            2 512 agents/return/Agent_0=-45 agents/return/Agent_1=-126 agents/return/Agent_2=-123 agents/return/Agent_3=-123 charts/arrival_rate=0.125 charts/congestion=0 charts/episodes=4 charts/episodic_return=-417 charts/learning_rate=0 charts/mean_travel_time=67 demo/dtw=3.3023571214630865
            3 768 charts/episodes=0 charts/learning_rate=0
            4 1024 agents/return/Agent_0=-96 agents/return/Agent_1=-126 agents/return/Agent_2=-123 agents/return/Agent_3=-123 charts/arrival_rate=0.0625 charts/congestion=0 charts/episodes=4 charts/episodic_return=-468 charts/learning_rate=0 charts/mean_travel_time=115 demo/dtw=3.323212133995737

            """,
    };
}

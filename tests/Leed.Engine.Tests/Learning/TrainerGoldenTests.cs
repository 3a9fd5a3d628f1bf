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
/// AMD EPYC). Another CPU's vector kernels round float sums differently (an Intel Xeon with AVX-512
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
            1 256 agents/weight/Agent_0=1 agents/weight/Agent_1=1 agents/weight/Agent_2=1 agents/weight/Agent_3=1 charts/episodes=0 charts/learning_rate=0.001 demo/agreement=0.936170220375061 losses/approx_kl=0.0017148213228210807 losses/clipfrac=0 losses/entropy=1.1157407760620117 losses/expert_loss=1.1294453144073486 losses/explained_variance=-0.42148772623753694 losses/policy_loss=-0.0024621067568659782 losses/value_loss=0.023331105709075928
            2 512 agents/return/Agent_0=-53.75 agents/return/Agent_1=-56.25 agents/return/Agent_2=-123 agents/return/Agent_3=-91 agents/weight/Agent_0=0.9999030828475952 agents/weight/Agent_1=0.9536786675453186 agents/weight/Agent_2=0.9999988079071045 agents/weight/Agent_3=0.9999884366989136 charts/arrival_rate=0.3125 charts/congestion=0 charts/episodes=4 charts/episodic_return=-324 charts/learning_rate=0.0009000000000000001 charts/mean_travel_time=87.4 demo/agreement=0.936170220375061 demo/dtw=2.506192861253985 losses/approx_kl=0.003079230198636651 losses/clipfrac=0 losses/entropy=1.17098069190979 losses/expert_loss=0.967086672782898 losses/explained_variance=-0.14610784271458543 losses/policy_loss=-0.006481085438281298 losses/value_loss=0.03619600087404251
            3 768 agents/weight/Agent_0=0.9999030828475952 agents/weight/Agent_1=0.9536786675453186 agents/weight/Agent_2=0.9999988079071045 agents/weight/Agent_3=0.9999884366989136 charts/episodes=0 charts/learning_rate=0.0008 demo/agreement=0.936170220375061 losses/approx_kl=0.0038931213784962893 losses/clipfrac=0 losses/entropy=1.0486619472503662 losses/expert_loss=0.8473843932151794 losses/explained_variance=-0.06179473009578773 losses/policy_loss=-0.0015316972276195884 losses/value_loss=0.03253018483519554
            4 1024 agents/return/Agent_0=-16.5 agents/return/Agent_1=-43.25 agents/return/Agent_2=-93.25 agents/return/Agent_3=-1 agents/weight/Agent_0=0.9991663694381714 agents/weight/Agent_1=0.9674152731895447 agents/weight/Agent_2=0.9999921917915344 agents/weight/Agent_3=0.9884927868843079 charts/arrival_rate=0.5625 charts/congestion=0.0006666666595265269 charts/episodes=4 charts/episodic_return=-154 charts/learning_rate=0.0007 charts/mean_travel_time=72 demo/agreement=0.936170220375061 demo/dtw=2.4951965413307087 losses/approx_kl=0.00495128845795989 losses/clipfrac=0 losses/entropy=1.1024080514907837 losses/expert_loss=0.6616910696029663 losses/explained_variance=-0.19204839540618623 losses/policy_loss=-0.004710430279374123 losses/value_loss=0.044425662606954575

            """,
        ["leed-shared-fixed"] = """
            1 256 agents/weight/Agent_0=0.5 agents/weight/Agent_1=0.5 agents/weight/Agent_2=0.5 agents/weight/Agent_3=0.5 charts/episodes=0 charts/learning_rate=0.001 demo/agreement=0.8723404407501221 losses/approx_kl=0.017339129000902176 losses/clipfrac=0.07375776581466198 losses/entropy=1.1106457710266113 losses/expert_loss=0.9743359088897705 losses/explained_variance=-1.1579556992208975 losses/policy_loss=0.008545568212866783 losses/value_loss=0.04535731300711632
            2 512 agents/return/Agent_0=-48 agents/return/Agent_1=-126 agents/return/Agent_2=-123 agents/return/Agent_3=-91 agents/weight/Agent_0=0.5 agents/weight/Agent_1=0.5 agents/weight/Agent_2=0.5 agents/weight/Agent_3=0.5 charts/arrival_rate=0.1875 charts/congestion=0 charts/episodes=4 charts/episodic_return=-388 charts/learning_rate=0.0009000000000000001 charts/mean_travel_time=80.33333333333333 demo/agreement=0.8510638475418091 demo/dtw=2.5612095413855416 losses/approx_kl=0.044013477861881256 losses/clipfrac=0.3329425691626966 losses/entropy=1.0712946653366089 losses/expert_loss=0.7128697633743286 losses/explained_variance=-1.633723385639795 losses/policy_loss=0.03478410840034485 losses/value_loss=0.027665309607982635
            3 768 agents/weight/Agent_0=0.5 agents/weight/Agent_1=0.5 agents/weight/Agent_2=0.5 agents/weight/Agent_3=0.5 charts/episodes=0 charts/learning_rate=0.0008 demo/agreement=0.8510638475418091 losses/approx_kl=0.015801452100276947 losses/clipfrac=0.05733793321996927 losses/entropy=0.7954686284065247 losses/expert_loss=0.5803852677345276 losses/explained_variance=-0.06822105611202489 losses/policy_loss=-0.017379870638251305 losses/value_loss=0.03144371137022972
            4 1024 agents/return/Agent_0=18 agents/return/Agent_1=-127.5 agents/return/Agent_2=-124 agents/return/Agent_3=-22.75 agents/weight/Agent_0=0.5 agents/weight/Agent_1=0.5 agents/weight/Agent_2=0.5 agents/weight/Agent_3=0.5 charts/arrival_rate=0.3125 charts/congestion=0.009271837770938873 charts/episodes=4 charts/episodic_return=-256.25 charts/learning_rate=0.0007 charts/mean_travel_time=29 demo/agreement=0.8297872543334961 demo/dtw=2.508295445824697 losses/approx_kl=0.01166253350675106 losses/clipfrac=0.04673407273367047 losses/entropy=0.8932006359100342 losses/expert_loss=0.5205852389335632 losses/explained_variance=-2.7401799933187903 losses/policy_loss=-0.01699763722717762 losses/value_loss=0.00878709927201271

            """,
        ["ippo"] = """
            1 256 charts/episodes=0 charts/learning_rate=0.001 demo/agreement=0.44680851697921753 losses/approx_kl=0.000683664227835834 losses/clipfrac=0 losses/entropy=1.097163438796997 losses/explained_variance=-0.42148772623753694 losses/policy_loss=-0.007752624340355396 losses/value_loss=0.02486199513077736
            2 512 agents/return/Agent_0=-80 agents/return/Agent_1=-126 agents/return/Agent_2=-123 agents/return/Agent_3=-123 charts/arrival_rate=0.0625 charts/congestion=0 charts/episodes=4 charts/episodic_return=-452 charts/learning_rate=0.0009000000000000001 charts/mean_travel_time=51 demo/agreement=0.44680851697921753 demo/dtw=3.0218736880090864 losses/approx_kl=0.0003501817409414798 losses/clipfrac=0 losses/entropy=1.2044405937194824 losses/explained_variance=-1.0650193711074052 losses/policy_loss=-0.0014242521720007062 losses/value_loss=0.01494436152279377
            3 768 charts/episodes=0 charts/learning_rate=0.0008 demo/agreement=0.44680851697921753 losses/approx_kl=0.0002573479723650962 losses/clipfrac=0 losses/entropy=1.0663714408874512 losses/explained_variance=0.10535068189555685 losses/policy_loss=-0.004919793922454119 losses/value_loss=0.019947947934269905
            4 1024 agents/return/Agent_0=-31.25 agents/return/Agent_1=-126 agents/return/Agent_2=-83.75 agents/return/Agent_3=-123 charts/arrival_rate=0.1875 charts/congestion=0 charts/episodes=4 charts/episodic_return=-364 charts/learning_rate=0.0007 charts/mean_travel_time=48.333333333333336 demo/agreement=0.44680851697921753 demo/dtw=2.528598588657147 losses/approx_kl=0.0003813783696386963 losses/clipfrac=0 losses/entropy=1.1688263416290283 losses/explained_variance=-0.7747083705044187 losses/policy_loss=-0.002572903875261545 losses/value_loss=0.01749839447438717

            """,
        ["mappo"] = """
            1 256 charts/episodes=0 charts/learning_rate=0.001 demo/agreement=0.38297873735427856 losses/approx_kl=0.0008070217445492744 losses/clipfrac=0 losses/entropy=1.1111316680908203 losses/explained_variance=0.8396026183378981 losses/policy_loss=-0.00642741285264492 losses/value_loss=0.0108321662992239
            2 512 agents/return/Agent_0=-123 agents/return/Agent_1=-126 agents/return/Agent_2=-84.75 agents/return/Agent_3=-52.5 charts/arrival_rate=0.1875 charts/congestion=0 charts/episodes=4 charts/episodic_return=-386.25 charts/learning_rate=0.0009000000000000001 charts/mean_travel_time=78 demo/agreement=0.44680851697921753 demo/dtw=3.330216782051294 losses/approx_kl=0.0005787592381238937 losses/clipfrac=0 losses/entropy=1.1904010772705078 losses/explained_variance=0.3560611224549375 losses/policy_loss=-0.005738349631428719 losses/value_loss=0.01989704929292202
            3 768 charts/episodes=0 charts/learning_rate=0.0008 demo/agreement=0.4680851101875305 losses/approx_kl=0.0004629921168088913 losses/clipfrac=0 losses/entropy=1.124446153640747 losses/explained_variance=0.8161291782082637 losses/policy_loss=-0.005058261565864086 losses/value_loss=0.006042836233973503
            4 1024 agents/return/Agent_0=-84.5 agents/return/Agent_1=-126 agents/return/Agent_2=-92.5 agents/return/Agent_3=-60.25 charts/arrival_rate=0.25 charts/congestion=0 charts/episodes=4 charts/episodic_return=-363.25 charts/learning_rate=0.0007 charts/mean_travel_time=91.25 demo/agreement=0.5106382966041565 demo/dtw=3.350040701529153 losses/approx_kl=0.0003607262624427676 losses/clipfrac=0 losses/entropy=1.1694419384002686 losses/explained_variance=0.31239418988571965 losses/policy_loss=-0.0032326155342161655 losses/value_loss=0.023994695395231247

            """,
        ["bc"] = """
            1 256 charts/episodes=0 charts/learning_rate=0.001 demo/agreement=0.936170220375061 losses/expert_loss=1.1295932531356812
            2 512 agents/return/Agent_0=-53.75 agents/return/Agent_1=-56.25 agents/return/Agent_2=-123 agents/return/Agent_3=-91 charts/arrival_rate=0.3125 charts/congestion=0 charts/episodes=4 charts/episodic_return=-324 charts/learning_rate=0.0009000000000000001 charts/mean_travel_time=87.4 demo/agreement=0.936170220375061 demo/dtw=2.496675475162858 losses/expert_loss=0.9656546711921692
            3 768 charts/episodes=0 charts/learning_rate=0.0008 demo/agreement=0.936170220375061 losses/expert_loss=0.8441560864448547
            4 1024 agents/return/Agent_0=-16.5 agents/return/Agent_1=-43.25 agents/return/Agent_2=-123 agents/return/Agent_3=0.5 charts/arrival_rate=0.5 charts/congestion=0.0006666666595265269 charts/episodes=4 charts/episodic_return=-182.25 charts/learning_rate=0.0007 charts/mean_travel_time=67.25 demo/agreement=0.936170220375061 demo/dtw=2.6612365807182883 losses/expert_loss=0.6558863520622253

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

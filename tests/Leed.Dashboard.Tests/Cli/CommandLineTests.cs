// The command line as a whole: every verb's --help and a bad option of each, mistyped verbs, and the dashboard start.
using System.CommandLine;
using System.Net;
using System.Text.RegularExpressions;
using Leed.Dashboard.Cli;
using Leed.Engine.Hosting;
using Leed.Engine.Learning;

namespace Leed.Dashboard.Tests.Cli;

public sealed class CommandLineTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("leed-cli-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_data, recursive: true); } catch (IOException) { }
    }

    /// <summary>Every verb the root command has, by its words; a new verb is covered without touching this test.</summary>
    public static TheoryData<string> Verbs() => [.. VerbPaths];

    private static IEnumerable<string> VerbPaths => CommandLine.Leaves(CommandLine.Root).Select(CommandLine.PathOf);

    /// <summary>Every numeric option of every verb, as "verb words|--option".</summary>
    public static TheoryData<string> NumericOptions() =>
    [
        .. CommandLine.Leaves(CommandLine.Root).SelectMany(verb => verb.Options
            .Where(option => option.ValueType == typeof(int) || option.ValueType == typeof(int?) || option.ValueType == typeof(double) || option.ValueType == typeof(double?))
            .Select(option => $"{CommandLine.PathOf(verb)}|{option.Name}")),
    ];

    private static async Task<(int Exit, string Out, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        // A command line that starts the web server instead would never return: fail rather than hang.
        int exit = await CommandLine.RunAsync(args, output, error).WaitAsync(TimeSpan.FromSeconds(60));
        return (exit, output.ToString(), error.ToString());
    }

    private static Command Find(string path) => CommandLine.Leaves(CommandLine.Root).Single(verb => CommandLine.PathOf(verb) == path);

    [Fact]
    public void TheRootCommand_HasEveryDocumentedVerb()
    {
        Assert.Equal(
            ["system", "maps list", "maps show", "maps import", "maps delete", "demos generate", "demos validate", "demos list", "demos show", "demos corrupt", "train",
             "runs list", "runs show", "store check", "store backup", "evaluate", "export tensorboard",
             "study run", "study resume", "study list", "study show", "worker",
             "bench watch", "bench runs-page", "bench env", "bench planner", "bench train", "bench kernel", "bench scaling", "bench memory", "bench learning",
             "bench study", "bench cluster", "help"],
            VerbPaths);
    }

    [Theory]
    [MemberData(nameof(Verbs))]
    public async Task EveryVerb_Help_ExitsZero_ListingItsArgumentsAndOptionsOnStandardError(string path)
    {
        Command verb = Find(path);

        (int exit, string output, string error) = await RunAsync([.. path.Split(' '), "--help"]);

        Assert.Equal(0, exit);
        Assert.Equal("", output); // stdout carries only JSON
        Assert.Contains(verb.Description!, error);
        foreach (Option option in verb.Options) Assert.Contains(option.Name, error);
        foreach (Argument argument in verb.Arguments) Assert.Contains(argument.HelpName ?? argument.Name, error);
        (int helpExit, _, string sameHelp) = await RunAsync(["help", .. path.Split(' ')]);
        Assert.Equal((0, error), (helpExit, sameHelp));
    }

    [Theory]
    [MemberData(nameof(Verbs))]
    public async Task EveryVerb_AnUnknownOption_ExitsTwo_NamingTheOptionAndWhatTheVerbAccepts(string path)
    {
        Command verb = Find(path);

        (int exit, string output, string error) = await RunAsync([.. path.Split(' '), "--no-such-option", "1"]);

        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.Contains($"error: '{path}' has no option --no-such-option.", error);
        foreach (Option option in verb.Options) Assert.Contains(option.Name, error);
    }

    [Theory]
    [MemberData(nameof(NumericOptions))]
    public async Task EveryNumericOption_GivenAWord_ExitsTwo_SayingWhichOptionWantsANumber(string verbAndOption)
    {
        (string path, string option) = (verbAndOption.Split('|')[0], verbAndOption.Split('|')[1]);
        Command verb = Find(path);
        string[] arguments = [.. verb.Arguments.Select(_ => "x")];
        string[] data = verb.Options.Contains(CliOptions.Data) ? ["--data", _data] : [];

        (int exit, string output, string error) = await RunAsync([.. path.Split(' '), .. arguments, option, "many", .. data]);

        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.Matches($"error: {option} expects a (whole )?number, got 'many'", error);
    }

    [Theory]
    [InlineData("frobnicate", "unknown command 'frobnicate'.")]
    [InlineData("tarin --map synthetic-small", "unknown command 'tarin'. Did you mean 'train'?")]
    [InlineData("mpas list", "unknown command 'mpas'. Did you mean 'maps'?")]
    [InlineData("maps frob", "unknown command 'maps frob'. Did you mean 'maps show'?")]
    [InlineData("demos lsit", "unknown command 'demos lsit'. Did you mean 'demos list'?")]
    [InlineData("import samples/maps/sample-town.map", "unknown command 'import'. Did you mean 'maps import'?")]
    public async Task AMistypedVerb_ExitsTwo_WithTheClosestVerb_InsteadOfStartingTheDashboard(string commandLine, string message)
    {
        (int exit, string output, string error) = await RunAsync([.. commandLine.Split(' '), "--data", _data]);

        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.Contains(message, error);
        Assert.False(File.Exists(Path.Combine(_data, "leed.db")), "nothing opened the store");
    }

    [Fact]
    public async Task TheExecutable_GivenAMistypedVerb_ExitsTwoAtOnce_RatherThanServing()
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "Leed.Dashboard.dll"), "frobnicate", "--data", _data },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = System.Diagnostics.Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"`frobnicate` was still running after 60 s (a web server?): {await output}");
        }

        Assert.Equal(2, process.ExitCode);
        Assert.Equal("", await output);
        Assert.Contains("unknown command 'frobnicate'. Did you mean", await error);
    }

    [Theory]
    [InlineData("maps", "'maps' needs a command: list, show, import, delete.")]
    [InlineData("maps show --nmae x", "'maps show' has no option --nmae.")]
    [InlineData("maps import --frmat osm x.osm", "'maps import' has no option --frmat. Did you mean --format?")]
    [InlineData("maps show", "Missing map name (see `maps list`).")]
    [InlineData("demos show 1 2", "Unexpected argument '2': 'demos show' takes <ID>")]
    [InlineData("system --dat x", "'system' has no option --dat. Did you mean --data?")]
    [InlineData("bench env --seconds 0", "--seconds must be between 0.1 and 3600, got 0.")]
    [InlineData("bench scaling --agents 5,x", "--agents expects comma-separated positive whole numbers, got '5,x'.")]
    [InlineData("bench train --envs 3 --steps 5", "must be divisible by the 4 minibatches")]
    [InlineData("bench planner --map nowhere", "No map named 'nowhere'. `maps list` or the Maps page shows the map names; import one with `maps import FILE`")]
    [InlineData("maps delete nowhere", "No map named 'nowhere'.")]
    [InlineData("demos validate x.txt --map nowhere", "x.txt: no such file.")]
    public async Task BadUsage_ExitsTwo_SayingWhatIsWrong(string commandLine, string message)
    {
        (int exit, string output, string error) = await RunAsync([.. commandLine.Split(' '), "--data", _data]);

        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.Contains(message, error);
    }

    [Fact]
    public async Task HelpForAMistypedVerb_ExitsTwo_WithTheClosestVerb()
    {
        (int exit, string output, string error) = await RunAsync("help", "maps", "imprt");

        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.Contains("unknown command 'maps imprt'. Did you mean 'maps import'?", error);
    }

    [Fact]
    public async Task Help_ListsEveryVerbOnOneScreen()
    {
        (int exit, string output, string error) = await RunAsync("help");

        Assert.Equal(0, exit);
        Assert.Equal("", output);
        foreach (string verb in VerbPaths) Assert.Contains("  " + verb, error);
        Assert.Equal(error, (await RunAsync("--help")).Error);
    }

    [Fact]
    public async Task TrainHelp_ShowsTheTrainersOwnDefaults()
    {
        var defaults = new Hyperparameters();

        (_, _, string help) = await RunAsync("train", "--help");

        Assert.Equal($"{defaults.Envs}", Default(help, "--envs"));
        Assert.Equal($"{defaults.Steps}", Default(help, "--steps"));
        Assert.Equal($"{defaults.Iterations}", Default(help, "--iterations"));
        Assert.Equal($"{defaults.Threads}", Default(help, "--threads"));
        Assert.Equal(defaults.LearningRate, double.Parse(Default(help, "--lr"), System.Globalization.CultureInfo.InvariantCulture));
    }

    private static string Default(string help, string option) =>
        Regex.Match(help, $@"^\s*{Regex.Escape(option)} <\w+>.*\[default: ([^\]]+)\]\s*$", RegexOptions.Multiline) is { Success: true } match
            ? match.Groups[1].Value
            : throw new Xunit.Sdk.XunitException($"no default shown for {option} in:\n{help}");

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task NoVerb_StartsTheDashboard_WithTheHostsArgumentsAndTheDataFolder(bool equalsForm)
    {
        int port = FreePort.On();
        string url = $"http://127.0.0.1:{port}";
        // Any host setting passes through; the application name is the one setting a test host must give
        // (it names the static assets' manifest, which is Leed.Dashboard's, not the test runner's).
        string[] args = equalsForm
            ? [$"--urls={url}", $"--data={_data}", "--environment=Production", "--applicationName=Leed.Dashboard"]
            : ["--urls", url, "--data", _data, "--environment", "Production", "--applicationName", "Leed.Dashboard"];
        using var stop = new CancellationTokenSource();
        var output = new StringWriter();
        var error = new StringWriter();
        Task<int> dashboard = CommandLine.RunAsync(args, output, error, stop.Token);

        using var client = new HttpClient { BaseAddress = new Uri(url) };
        HttpResponseMessage? response = null;
        for (int attempt = 0; attempt < 240 && response is null && !dashboard.IsCompleted; attempt++)
        {
            try { response = await client.GetAsync("/system"); }
            catch (HttpRequestException) { await Task.Delay(250); }
        }
        Assert.False(dashboard.IsCompleted, $"the dashboard stopped by itself: {error}{(dashboard.IsFaulted ? dashboard.Exception : "")}");
        Assert.Equal(HttpStatusCode.OK, response?.StatusCode);
        Assert.Contains(Path.Combine(_data, "leed.db"), await response!.Content.ReadAsStringAsync());
        await stop.CancelAsync();
        Assert.Equal(0, await dashboard.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("", output.ToString());
    }

    [Theory]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("maps", "maps", 0)]
    [InlineData("", "train", 5)]
    [InlineData("tarin", "train", 2)]
    public void EditDistance_CountsInsertionsDeletionsAndSubstitutions(string a, string b, int distance) =>
        Assert.Equal(distance, CommandLine.EditDistance(a, b));
}

// What a running verb can use: its parsed values, stdout for JSON, stderr for people, settings and the store.
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.Json;
using Leed.Dashboard.Hosting;
using Leed.Dashboard.LocalApi;
using Leed.Engine.Hosting;
using Leed.Engine.Maps;
using Leed.Engine.Storage;

namespace Leed.Dashboard.Cli;

/// <summary>A bad command line: exit code 2, the message and the verb's usage on stderr.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>Bad input data (a malformed file, an unknown set): exit code 2, the message on stderr.</summary>
public sealed class InputException(string message) : Exception(message);

public sealed class VerbContext(ParseResult result, CancellationToken cancellation) : IDisposable
{
    private static readonly TimeSpan RetryInterval = TimeSpan.FromMilliseconds(100);

    private ILeedStore? _store;
    private LocalApiClient? _dashboard;

    public ParseResult Result { get; } = result;
    public TextWriter Out => Result.InvocationConfiguration.Output;
    public TextWriter Error => Result.InvocationConfiguration.Error;
    public CancellationToken Cancellation { get; } = cancellation;
    public LeedOptions Options { get; } = LeedConfiguration.ForCommandLine(result.GetResult(CliOptions.Data)?.GetValueOrDefault<string?>()).ReadOptions();

    /// <summary>
    /// The store under <c>--data DIR</c> (default <c>./data</c>), opened on first use as this verb's
    /// (another owner of the folder is waited for up to <c>Leed:Storage:LockWaitSeconds</c>).
    /// </summary>
    public ILeedStore Store => _store ??= OpenStore(Options.Storage.LockWait);

    /// <summary>
    /// The store when this verb can own the data folder, else the running dashboard that owns it
    /// (through its local API, so the work lands in its store and shows there live). Another
    /// owner that is not a dashboard (a verb in another process) is waited for up to
    /// <c>Leed:Storage:LockWaitSeconds</c>, then the verb stops naming it (exit 2). A dashboard
    /// still starting up is used as soon as it publishes its API.
    /// </summary>
    /// <returns>Exactly one of the two is set.</returns>
    public (ILeedStore? Store, LocalApiClient? Dashboard) Connect()
    {
        if (_store is not null || _dashboard is not null) return (_store, _dashboard);
        ValidateDataFolder();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return (_store = OpenStore(TimeSpan.Zero), null);
            }
            catch (DataFolderBusyException busy)
            {
                if (LocalApiClient.ForOwner(busy.Owner) is { } client) return (null, _dashboard = client);
                if (clock.Elapsed >= Options.Storage.LockWait)
                    throw new DataFolderBusyException(busy.Directory, DataFolderLock.ReadOwner(busy.Directory) ?? busy.Owner, clock.Elapsed);
                Thread.Sleep(RetryInterval);
            }
        }
    }

    private ILeedStore OpenStore(TimeSpan lockWait)
    {
        ValidateDataFolder();
        return LiteDbStore.Open(Options.DataDirectory, DataFolderOwner.ForThisProcess(VerbName), lockWait);
    }

    /// <summary>A --data that names a file is refused before anything is created.</summary>
    private void ValidateDataFolder()
    {
        if (File.Exists(Options.DataDirectory))
            throw new UsageException($"--data '{Options.DataDirectory}' is a file; give the folder that holds (or will hold) {LiteDbStore.DatabaseFileName}.");
    }

    /// <summary>The verb's words, e.g. "maps import", as the data folder's owner file names it.</summary>
    public string VerbName
    {
        get
        {
            var words = new List<string>();
            for (CommandResult? command = Result.CommandResult; command?.Parent is not null; command = command.Parent as CommandResult)
                words.Insert(0, command.Command.Name);
            return string.Join(' ', words);
        }
    }

    /// <summary>The option's value: what was given, else its default, else null.</summary>
    public T Get<T>(Option<T> option) => Result.GetValue(option)!;

    public T Get<T>(Argument<T> argument) => Result.GetValue(argument)!;

    /// <summary>True when the option was given on the command line (not merely defaulted).</summary>
    public bool Has(Option option) => Result.GetResult(option) is { Implicit: false };

    /// <summary>The map the option names (it has a default).</summary>
    /// <exception cref="MapNotFoundException">No map has that name: exit code 2 with the catalogue's message.</exception>
    public CityMap Map(Option<string> option) => MapCatalog.For(Store).Require(Get(option));

    public string Require(Option<string?> option) => Get(option) ?? throw new UsageException($"{option.Name} is required.");

    /// <summary>Writes one JSON document (or one line of a stream) to stdout.</summary>
    public void WriteJson(object value, bool indented = true)
    {
        Out.WriteLine(JsonSerializer.Serialize(value, indented ? CommandLine.Indented : CommandLine.Compact));
        Out.Flush();
    }

    public void Dispose()
    {
        _store?.Dispose();
        _dashboard?.Dispose();
    }
}

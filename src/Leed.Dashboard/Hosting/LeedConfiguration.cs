// How settings reach the engine: appsettings.json, LEED_* environment variables, and --data.
using Leed.Engine.Hosting;

namespace Leed.Dashboard.Hosting;

public static class LeedConfiguration
{
    private const string EnvironmentPrefix = "LEED_";

    /// <summary>
    /// Adds <c>LEED_LLM__APIKEY</c>-style variables as <c>Leed:Llm:ApiKey</c>, and the
    /// command line's <c>--data DIR</c> as <c>Leed:DataDirectory</c> (it wins over both).
    /// </summary>
    public static IConfigurationBuilder AddLeedSources(this IConfigurationBuilder builder, string? dataDirectory)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (System.Collections.DictionaryEntry variable in Environment.GetEnvironmentVariables())
        {
            string name = (string)variable.Key;
            if (!name.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase)) continue;
            values[LeedOptions.Section + ":" + name[EnvironmentPrefix.Length..].Replace("__", ":")] = (string?)variable.Value;
        }
        if (dataDirectory is not null) values[LeedOptions.Section + ":" + nameof(LeedOptions.DataDirectory)] = dataDirectory;
        return builder.AddInMemoryCollection(values);
    }

    /// <summary>The configuration a command-line verb sees: the same files and variables as the dashboard.</summary>
    public static IConfiguration ForCommandLine(string? dataDirectory) => new ConfigurationBuilder()
        .SetBasePath(AppContext.BaseDirectory)
        .AddJsonFile("appsettings.json", optional: true)
        .AddEnvironmentVariables()
        .AddLeedSources(dataDirectory)
        .Build();

    public static LeedOptions ReadOptions(this IConfiguration configuration)
    {
        var options = new LeedOptions();
        configuration.GetSection(LeedOptions.Section).Bind(options);
        return options;
    }
}

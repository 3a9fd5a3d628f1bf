// `system`: the System page's facts as JSON.
using System.CommandLine;
using Leed.Engine.Hosting;

namespace Leed.Dashboard.Cli;

internal static class SystemVerb
{
    public static Command Command() => CommandLine.Verb("system", "Prints the System page's facts as JSON.", [CliOptions.Data], RunAsync);

    private static Task<int> RunAsync(VerbContext context)
    {
        context.WriteJson(SystemFacts.Collect(context.Store, context.Options.Llm));
        return Task.FromResult(0);
    }
}

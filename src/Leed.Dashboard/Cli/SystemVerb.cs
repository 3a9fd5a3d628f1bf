// `system`: the System page's facts as JSON.
using Leed.Engine.Hosting;

namespace Leed.Dashboard.Cli;

internal static class SystemVerb
{
    public static Task<int> RunAsync(VerbContext context)
    {
        context.WriteJson(SystemFacts.Collect(context.Store, context.Options.Llm));
        return Task.FromResult(0);
    }
}

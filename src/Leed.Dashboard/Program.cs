// One executable: a command-line verb when the first argument names one, the dashboard otherwise.
using Leed.Dashboard.Cli;
using Leed.Dashboard.Hosting;
using Leed.Engine.Storage;

if (CommandLine.HasVerb(args))
    return await CommandLine.RunAsync(args, Console.Out, Console.Error);

WebApplication app;
try
{
    app = DashboardApp.Build(args);
}
catch (StoreException refused)
{
    // Another owner, or a damaged database: one message, exit 2, and no web server serving errors.
    Console.Error.WriteLine($"error: {refused.Message}");
    return 2;
}
await app.RunAsync();
return 0;

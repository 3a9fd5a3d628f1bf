// One executable: a command-line verb when the first argument names one, the dashboard otherwise.
using Leed.Dashboard.Cli;
using Leed.Dashboard.Hosting;

if (CommandLine.HasVerb(args))
    return await CommandLine.RunAsync(args, Console.Out, Console.Error);

var app = DashboardApp.Build(args);
await app.RunAsync();
return 0;

// One executable: the dashboard with no command, a command-line verb otherwise (see CommandLine for how they are told apart).
using Leed.Dashboard.Cli;

return await CommandLine.RunAsync(args, Console.Out, Console.Error);

// The engine's services in the dashboard's container.
using Leed.Engine.Demonstrations;
using Leed.Engine.Hosting;
using Leed.Engine.Runs;
using Leed.Engine.Storage;

namespace Leed.Dashboard.Hosting;

public static class EngineServices
{
    public static IServiceCollection AddLeedEngine(this IServiceCollection services, IConfiguration configuration)
    {
        LeedOptions options = configuration.ReadOptions();
        services.AddSingleton(options);
        services.AddSingleton(options.Llm);
        // One LiteDatabase per process; the dashboard owns the data folder while it runs (DashboardApp opens it at start).
        services.AddSingleton<ILeedStore>(_ => LiteDbStore.Open(options.DataDirectory, DataFolderOwner.ForThisProcess("dashboard"), options.Storage.LockWait));
        services.AddSingleton(provider => new LlmSettings(provider.GetRequiredService<ILeedStore>(), options.Llm));
        // Every LLM call goes through one pooled, resilient HTTP client (pages inject IHttpClientFactory).
        services.AddLlmHttp();
        // Recomputed per request so the demonstrator shown follows the Settings page.
        services.AddTransient(provider => SystemFacts.Collect(provider.GetRequiredService<ILeedStore>(), provider.GetRequiredService<LlmSettings>().Current));
        // Demonstrators are made, and sets saved with their transcripts, in one place for pages, the local API and runs.
        services.AddSingleton(provider => new DemonstrationService(provider.GetRequiredService<ILeedStore>(), provider.GetRequiredService<IHttpClientFactory>(),
            () => provider.GetRequiredService<LlmSettings>().Current));
        services.AddSingleton(provider => new RunStore(provider.GetRequiredService<ILeedStore>()));
        services.AddSingleton(provider => new RunEvaluator(provider.GetRequiredService<ILeedStore>()));
        services.AddSingleton(provider => new TrainerWorkloadFactory(provider.GetRequiredService<ILeedStore>(), provider.GetRequiredService<DemonstrationService>()));
        services.AddSingleton<IRunWorkloadFactory>(provider => provider.GetRequiredService<TrainerWorkloadFactory>());
        // Runs belong to the process, not to a browser tab; concurrent runs share the machine's cores.
        int maxConcurrent = Math.Max(1, configuration.GetValue("Leed:Runs:MaxConcurrent", 1));
        // A cluster coordinator registers its own executor (ClusterServices); otherwise runs train here.
        services.AddSingleton(provider => new RunRegistry(provider.GetRequiredService<RunStore>(), provider.GetRequiredService<IRunWorkloadFactory>(),
            provider.GetService<IRunExecutor>() ?? new InProcessRunExecutor(provider.GetRequiredService<IRunWorkloadFactory>(), maxConcurrent)));
        services.AddSingleton(provider => new Leed.Engine.Studies.StudyRunner(provider.GetRequiredService<ILeedStore>(), provider.GetRequiredService<RunRegistry>(),
            provider.GetRequiredService<DemonstrationService>()));
        return services;
    }
}

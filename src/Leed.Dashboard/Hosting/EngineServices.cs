// The engine's services in the dashboard's container.
using Leed.Engine.Hosting;
using Leed.Engine.Storage;

namespace Leed.Dashboard.Hosting;

public static class EngineServices
{
    public static IServiceCollection AddLeedEngine(this IServiceCollection services, IConfiguration configuration)
    {
        LeedOptions options = configuration.ReadOptions();
        services.AddSingleton(options);
        services.AddSingleton(options.Llm);
        // One LiteDatabase per process, opened on first use.
        services.AddSingleton<ILeedStore>(_ => LiteDbStore.Open(options.DataDirectory));
        services.AddSingleton(provider => new LlmSettings(provider.GetRequiredService<ILeedStore>(), options.Llm));
        // Recomputed per request so the demonstrator shown follows the Settings page.
        services.AddTransient(provider => SystemFacts.Collect(provider.GetRequiredService<ILeedStore>(), provider.GetRequiredService<LlmSettings>().Current));
        return services;
    }
}

// A bUnit context set up as the dashboard runs components: MudBlazor services and loose JS interop, disposed asynchronously.
using Bunit;
using MudBlazor.Services;

namespace Leed.Components.Tests;

/// <summary>
/// Base for component tests. xunit 2 disposes test classes synchronously and MudBlazor's services
/// are async-only, so the context is disposed in <see cref="IAsyncLifetime.DisposeAsync"/>.
/// </summary>
public abstract class ComponentTestBase : IAsyncLifetime
{
    protected BunitContext Ctx { get; } = new();

    protected ComponentTestBase()
    {
        Ctx.Services.AddMudServices();
        Ctx.JSInterop.Mode = JSRuntimeMode.Loose;
    }

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync() => await Ctx.DisposeAsync();

    /// <summary>The repository's root folder (where the shared scripts live), found above the test output.</summary>
    protected static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Leed.sln")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new DirectoryNotFoundException("Leed.sln not found above the test output.");
    }
}

// The timeline hands its grids to its script once, again only when the grids or labels change, and releases the script when disposed.
using System.Text.RegularExpressions;
using Bunit;
using Leed.Components.Grid;

namespace Leed.Components.Tests.Grid;

public sealed class EpisodeTimelineTests : ComponentTestBase
{
    private readonly BunitJSModuleInterop _module;

    public EpisodeTimelineTests() => _module = Ctx.JSInterop.SetupModule(EpisodeTimeline.ModulePath);

    private IRenderedComponent<EpisodeTimeline> RenderTimeline(IReadOnlyList<string> grids, IReadOnlyList<string>? labels = null) =>
        Ctx.Render<EpisodeTimeline>(p => p.Add(c => c.Id, "t").Add(c => c.GridIds, grids).Add(c => c.Labels, labels));

    [Fact]
    public void FirstRender_InitialisesTheScriptWithTheGrids_AndOneCounterPerLabel()
    {
        var timeline = RenderTimeline(["a", "b"], ["left", "right"]);

        var init = _module.Invocations["init"].Single().Arguments;
        Assert.Equal(["a", "b"], (IReadOnlyList<string>)init[1]!);
        Assert.Contains("\"autoplay\":true", System.Text.Json.JsonSerializer.Serialize(init[2]));
        Assert.Equal(2, timeline.FindAll("[data-timeline-counts]").Count);
        Assert.Equal(EpisodeTimeline.Speeds.Count, timeline.FindAll("select[data-timeline=speed] option").Count);
        Assert.Equal("1", timeline.Find("option[selected]").GetAttribute("value"));
    }

    [Fact]
    public void SameGridsAgain_DoNotRestartTheScript_NewGridsDo()
    {
        var timeline = RenderTimeline(["a", "b"], ["left", "right"]);

        timeline.Render(p => p.Add(c => c.GridIds, new[] { "a", "b" }).Add(c => c.Labels, new[] { "left", "right" }));
        Assert.Single(_module.Invocations["init"]);

        timeline.Render(p => p.Add(c => c.GridIds, new[] { "a", "c" }));
        Assert.Equal(2, _module.Invocations["init"].Count);
    }

    [Fact]
    public async Task Disposing_ReleasesTheScript()
    {
        RenderTimeline(["a"]);

        await Ctx.DisposeComponentsAsync();

        Assert.Equal("dispose", _module.Invocations.Last().Identifier);
    }

    [Fact]
    public void TheModule_ExportsWhatTheComponentCalls_AndFindsEveryControlTheComponentRenders()
    {
        var timeline = RenderTimeline(["a"], ["only"]);
        var script = File.ReadAllText(Path.Combine(RepositoryRoot(), "wwwroot-assets", "episodeTimeline.js"));
        var exported = Regex.Matches(script, @"export function (\w+)").Select(m => m.Groups[1].Value).ToHashSet();

        Assert.All(_module.Invocations.Select(i => i.Identifier).Distinct(), call => Assert.Contains(call, exported));
        foreach (var control in timeline.FindAll("[data-timeline]").Select(e => e.GetAttribute("data-timeline")))
            Assert.Contains($"[data-timeline={control}]", script);
        Assert.Contains("[data-timeline-counts]", script);
    }
}

// Reads the city grid's view (scale and offset, as the renderer publishes them) so tests can aim at cells.
using System.Globalization;
using Microsoft.Playwright;

namespace Leed.Dashboard.Tests.Browser;

/// <summary>The grid's view: CSS pixels per cell, the fit scale, and where cell (0, 0) starts in the canvas.</summary>
public sealed record GridView(double Scale, double FitScale, double OffsetX, double OffsetY)
{
    /// <summary>Reads the view of the grid wrapper <paramref name="grid"/> once the renderer has drawn twice more.</summary>
    public static async Task<GridView> ReadAsync(IPage page, ILocator grid)
    {
        await page.EvaluateAsync("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => done(true))))");
        async Task<double> Read(string name) =>
            double.Parse(await grid.GetAttributeAsync(name) ?? throw new InvalidOperationException($"the grid has no {name}"), CultureInfo.InvariantCulture);
        return new GridView(await Read("data-scale"), await Read("data-fit-scale"), await Read("data-offset-x"), await Read("data-offset-y"));
    }

    /// <summary>The centre of cell (x, y) relative to the canvas's top-left corner.</summary>
    public Position CellCentre(int x, int y) => new() { X = (float)(OffsetX + (x + 0.5) * Scale), Y = (float)(OffsetY + (y + 0.5) * Scale) };

    /// <summary>Drags on the grid's canvas by (dx, dy) CSS pixels, starting at its centre.</summary>
    public static async Task DragAsync(IPage page, ILocator canvas, double dx, double dy)
    {
        LocatorBoundingBoxResult box = (await canvas.BoundingBoxAsync())!;
        float x = box.X + box.Width / 2, y = box.Y + box.Height / 2;
        await page.Mouse.MoveAsync(x, y);
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(x + (float)dx, y + (float)dy, new() { Steps = 8 });
        await page.Mouse.UpAsync();
    }
}

// One colour per agent, shared by the grid's canvas renderer and anything that draws routes or legends.
using System.Globalization;

namespace Leed.Components.Grid;

/// <summary>
/// Colours agents by index with hues spaced by the golden angle, so neighbouring indices differ
/// clearly for any number of agents. <c>cityGrid.js</c> computes the same colours.
/// </summary>
public static class AgentPalette
{
    private const double GoldenAngleDegrees = 137.508;

    /// <summary>The CSS colour of <paramref name="agent"/>, for example <c>hsl(137.5, 70%, 42%)</c>.</summary>
    public static string Colour(int agent)
    {
        var hue = agent * GoldenAngleDegrees % 360;
        return string.Create(CultureInfo.InvariantCulture, $"hsl({hue:0.0}, 70%, 42%)");
    }
}

// Text for Plotly: its labels render a subset of HTML (links, bold, line breaks), so user strings go through here first.
namespace Leed.Components.Charts;

/// <summary>
/// Plotly draws trace names, legend entries, hover labels and titles with its own HTML subset
/// (<c>&lt;a href&gt;</c> becomes a link, <c>&lt;br&gt;</c> a line break) and decodes entities in
/// the text between tags. Escaping the three markup characters makes a run name such as
/// <c>&lt;a href="…"&gt;x&lt;/a&gt;</c> show as those characters, never as a link.
/// </summary>
public static class PlotlyText
{
    public static string Escape(string? text) =>
        string.IsNullOrEmpty(text) ? "" : text.Replace("&", "&amp;", StringComparison.Ordinal)
            .Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
}

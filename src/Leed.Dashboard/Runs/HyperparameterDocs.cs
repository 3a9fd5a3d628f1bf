// Reads the hyperparameters' documentation (the engine's XML docs) for the New run page's tooltips.
using System.Xml.Linq;
using Leed.Engine.Learning;

namespace Leed.Dashboard.Runs;

public static class HyperparameterDocs
{
    private static readonly Lazy<IReadOnlyDictionary<string, string>> Summaries = new(Load);

    /// <summary>The summary of a hyperparameter, or an empty string when the docs are not shipped.</summary>
    public static string Summary(string name) => Summaries.Value.GetValueOrDefault(name, "");

    private static IReadOnlyDictionary<string, string> Load()
    {
        string path = Path.ChangeExtension(typeof(Hyperparameters).Assembly.Location, ".xml");
        if (!File.Exists(path)) return new Dictionary<string, string>();
        string prefix = $"P:{typeof(Hyperparameters).FullName}.";
        return XDocument.Load(path).Descendants("member")
            .Where(member => ((string?)member.Attribute("name"))?.StartsWith(prefix, StringComparison.Ordinal) == true)
            .ToDictionary(
                member => ((string)member.Attribute("name")!)[prefix.Length..],
                member => string.Join(' ', (member.Element("summary")?.Value ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)));
    }
}

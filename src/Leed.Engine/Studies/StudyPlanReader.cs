// Reads a study file into a StudyPlan, every problem located by its key path (study.json: configs[2].weight: ...), and writes a plan back as JSON.
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Leed.Engine.Demonstrations;
using Leed.Engine.Hosting;
using Leed.Engine.Learning;
using Leed.Engine.Maps;
using Leed.Engine.Runs;

namespace Leed.Engine.Studies;

/// <summary>A study file with problems; <see cref="Errors"/> has one located line per problem (all of them, not just the first).</summary>
public sealed class StudyPlanException(IReadOnlyList<string> errors)
    : Exception(string.Join(Environment.NewLine, errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}

/// <summary>Values given on the command line that replace the file's (recorded with the study).</summary>
public sealed record StudyOverrides
{
    public int? Iterations { get; init; }
    public IReadOnlyList<int>? Seeds { get; init; }
    public IReadOnlyList<int>? Agents { get; init; }
    public IReadOnlyDictionary<string, double> Hyperparameters { get; init; } = new Dictionary<string, double>();

    public bool IsEmpty => Iterations is null && Seeds is null && Agents is null && Hyperparameters.Count == 0;

    /// <summary>How the overrides read in the study's record, e.g. <c>iterations=2</c>, <c>seeds=1</c>.</summary>
    public IReadOnlyList<string> Describe() =>
    [
        .. Iterations is { } iterations ? [$"iterations={iterations}"] : Array.Empty<string>(),
        .. Seeds is { } seeds ? [$"seeds={string.Join(',', seeds)}"] : Array.Empty<string>(),
        .. Agents is { } agents ? [$"agents={string.Join(',', agents)}"] : Array.Empty<string>(),
        .. Hyperparameters.Select(pair => $"hyperparameters.{pair.Key}={HyperparameterValues.Format(pair.Value)}"),
    ];
}

/// <summary>
/// The study file's schema. Unknown keys, wrong types, unknown algorithms, maps and weight
/// schedules, empty axes, bad fractions and repeated names are all errors, each said with the
/// key's path; a file that is not JSON is refused at its line and column.
/// </summary>
public static class StudyPlanReader
{
    public const int MaxCells = 10_000, MaxIterations = 100_000, MaxAgents = 10_000;

    private static readonly string[] TopKeys =
        ["name", "description", "map", "agents", "scenarioSeed", "demonstrations", "corruption", "corruptionSeed", "configs", "seeds", "iterations",
            "hyperparameters", "reference", "referencePolicies", "threshold"];
    private static readonly string[] ConfigKeys = ["name", "algo", "weight", "hyperparameters"];
    private static readonly string[] CorruptionKeys = ["kind", "fraction"];
    private static readonly string[] Demonstrators = ["planner", "llm"];

    private static readonly JsonDocumentOptions Options = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    public static StudyPlan ReadFile(string path, MapCatalog? catalog, StudyOverrides? overrides = null)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new StudyPlanException([$"{path}: cannot read the file: {error.Message}"]);
        }
        return Read(text, Path.GetFileName(path), catalog, overrides);
    }

    /// <param name="source">How errors name the file, e.g. <c>study.json</c>.</param>
    /// <param name="catalog">Checks that the map exists; null skips that check (a stored plan whose map was checked when it was made).</param>
    public static StudyPlan Read(string text, string source, MapCatalog? catalog, StudyOverrides? overrides = null)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(text, documentOptions: Options);
        }
        catch (JsonException error)
        {
            long line = (error.LineNumber ?? 0) + 1, column = (error.BytePositionInLine ?? 0) + 1;
            throw new StudyPlanException([$"{source}:{line}:{column}: not valid JSON: {FirstSentence(error.Message)}"]);
        }
        if (root is not JsonObject top) throw new StudyPlanException([$"{source}: the study must be a JSON object ({{\"name\": ..., \"map\": ..., ...}})."]);
        if (overrides is not null) Apply(top, overrides);
        var reader = new Reader(source);
        StudyPlan? plan = reader.Plan(top, catalog);
        if (reader.Errors.Count > 0 || plan is null) throw new StudyPlanException(reader.Errors);
        return plan;
    }

    /// <summary>The plan as a study file (the configurations as written; reference policies are added again when it is read).</summary>
    public static string Write(StudyPlan plan)
    {
        var configs = new JsonArray();
        foreach (StudyConfig config in plan.Configs.Where(config => !config.Automatic))
        {
            var entry = new JsonObject { ["name"] = config.Name, ["algo"] = config.Algorithm.Name };
            if (config.Weight is not null) entry["weight"] = config.Weight;
            if (config.Hyperparameters.Count > 0) entry["hyperparameters"] = Numbers(config.Hyperparameters);
            configs.Add(entry);
        }
        var json = new JsonObject
        {
            ["name"] = plan.Name,
            ["description"] = plan.Description,
            ["map"] = plan.Map,
            ["agents"] = new JsonArray([.. plan.Agents.Select(value => (JsonNode)value)]),
            ["scenarioSeed"] = plan.ScenarioSeed,
            ["demonstrations"] = plan.Demonstrations,
            ["corruption"] = new JsonArray([.. plan.Corruption.Select(level => (JsonNode)new JsonObject
            {
                ["kind"] = level.Kind?.Name() ?? "none",
                ["fraction"] = level.Fraction,
            })]),
            ["corruptionSeed"] = plan.CorruptionSeed,
            ["configs"] = configs,
            ["seeds"] = new JsonArray([.. plan.Seeds.Select(value => (JsonNode)value)]),
            ["iterations"] = plan.Iterations,
            ["hyperparameters"] = Numbers(plan.Hyperparameters),
            ["reference"] = plan.Reference,
            ["referencePolicies"] = plan.ReferencePolicies,
            ["threshold"] = plan.Threshold,
        };
        return json.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private static JsonObject Numbers(IReadOnlyDictionary<string, double> values)
    {
        var json = new JsonObject();
        foreach ((string name, double value) in values) json[name] = value;
        return json;
    }

    private static void Apply(JsonObject top, StudyOverrides overrides)
    {
        if (overrides.Iterations is { } iterations) top["iterations"] = iterations;
        if (overrides.Seeds is { } seeds) top["seeds"] = new JsonArray([.. seeds.Select(value => (JsonNode)value)]);
        if (overrides.Agents is { } agents) top["agents"] = new JsonArray([.. agents.Select(value => (JsonNode)value)]);
        if (overrides.Hyperparameters.Count > 0)
        {
            JsonObject hp = top["hyperparameters"] as JsonObject ?? [];
            foreach ((string name, double value) in overrides.Hyperparameters) hp[name] = value;
            top["hyperparameters"] = hp;
        }
    }

    private static string FirstSentence(string message)
    {
        int cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }

    /// <summary>Reads one file, collecting every error with its path.</summary>
    private sealed class Reader(string source)
    {
        public List<string> Errors { get; } = [];

        private void Error(string path, string message) => Errors.Add($"{source}: {path}: {message}");

        public StudyPlan? Plan(JsonObject top, MapCatalog? catalog)
        {
            UnknownKeys(top, "", TopKeys);
            string? name = Text(top, "name", required: true);
            if (name is not null && (name.Length == 0 || name.Length > 100)) Error("name", "must be 1 to 100 characters.");
            string description = Text(top, "description", required: false) ?? "";
            string? map = Text(top, "map", required: true);
            if (map is not null && catalog is not null)
            {
                try
                {
                    catalog.Require(map);
                }
                catch (MapNotFoundException missing)
                {
                    Error("map", missing.Message);
                }
            }
            IReadOnlyList<int>? agents = Integers(top, "agents", 1, MaxAgents, required: true);
            int scenarioSeed = Integer(top, "scenarioSeed", int.MinValue, int.MaxValue) ?? 1;
            string demonstrations = Text(top, "demonstrations", required: false) ?? "planner";
            if (!Demonstrators.Contains(demonstrations)) Error("demonstrations", $"unknown demonstrator '{demonstrations}': expected planner or llm.");
            IReadOnlyList<CorruptionLevel> corruption = Corruption(top) ?? [CorruptionLevel.None];
            int corruptionSeed = Integer(top, "corruptionSeed", int.MinValue, int.MaxValue) ?? 1;
            IReadOnlyList<int>? seeds = Integers(top, "seeds", int.MinValue, int.MaxValue, required: true);
            int? iterations = Integer(top, "iterations", 1, MaxIterations);
            if (!top.ContainsKey("iterations")) Error("iterations", "is required: the budget of every run, in iterations.");
            IReadOnlyDictionary<string, double> hyperparameters = Hyperparameters(top, "hyperparameters", iterations) ?? new Dictionary<string, double>();
            bool referencePolicies = Boolean(top, "referencePolicies") ?? true;
            double? threshold = Number(top, "threshold");
            List<StudyConfig> configs = Configs(top, hyperparameters, iterations);
            if (referencePolicies) configs.AddRange(References(configs));

            string? reference = Text(top, "reference", required: false);
            if (reference is not null && configs.All(config => config.Name != reference))
                Error("reference", $"no configuration is named '{reference}'; the names are {string.Join(", ", configs.Select(config => config.Name))}.");
            reference ??= configs.FirstOrDefault(config => config.IsBaseline)?.Name;

            if (agents is not null && seeds is not null)
            {
                long cells = (long)seeds.Count * agents.Count * configs.Sum(config => config.Algorithm.NeedsDemonstrations ? corruption.Count : 1);
                if (cells > MaxCells) Error("configs", $"the grid has {cells:N0} cells, more than the {MaxCells:N0} a study may have: fewer seeds, agent counts, levels or configurations.");
            }
            if (corruption.Any(level => !level.IsNone) && configs.All(config => !config.Algorithm.NeedsDemonstrations))
                Error("corruption", "no configuration uses demonstrations, so corruption levels would change nothing: remove them or add a configuration such as leed.");
            if (Errors.Count > 0) return null;
            return new StudyPlan
            {
                Name = name!, Description = description, Map = map!, Agents = agents!, ScenarioSeed = scenarioSeed, Demonstrations = demonstrations,
                Corruption = corruption, CorruptionSeed = corruptionSeed, Configs = configs, Seeds = seeds!, Iterations = iterations!.Value,
                Hyperparameters = hyperparameters, Reference = reference, ReferencePolicies = referencePolicies, Threshold = threshold,
            };
        }

        private List<StudyConfig> Configs(JsonObject top, IReadOnlyDictionary<string, double> shared, int? iterations)
        {
            var configs = new List<StudyConfig>();
            if (!top.TryGetPropertyValue("configs", out JsonNode? node) || node is null)
            {
                Error("configs", "is required: a list of configurations such as {\"name\": \"leed-dynamic\", \"algo\": \"leed\", \"weight\": \"dynamic\"}.");
                return configs;
            }
            if (node is not JsonArray array)
            {
                Error("configs", $"must be a list of configurations, got {Kind(node)}.");
                return configs;
            }
            if (array.Count == 0) Error("configs", "is empty: a study needs at least one configuration.");
            for (int i = 0; i < array.Count; i++)
            {
                string path = $"configs[{i}]";
                if (array[i] is not JsonObject entry)
                {
                    Error(path, $"must be an object with name and algo, got {Kind(array[i])}.");
                    continue;
                }
                UnknownKeys(entry, path + ".", ConfigKeys);
                string? name = Text(entry, "name", required: true, path + ".");
                if (name is not null && !ValidName(name))
                    Error(path + ".name", $"'{name}' must be 1 to 60 letters, digits, '.', '_' or '-' (it names the configuration's runs and groups).");
                else if (name is not null && configs.Any(config => config.Name == name))
                    Error(path + ".name", $"'{name}' is used by an earlier configuration: names must be unique.");
                string? algo = Text(entry, "algo", required: true, path + ".");
                AlgorithmInfo? algorithm = algo is null ? null : Algorithms.Find(algo);
                if (algo is not null && algorithm is null)
                    Error(path + ".algo", $"unknown algorithm '{algo}': expected one of {string.Join(", ", Algorithms.Names)}.");
                string? weight = Text(entry, "weight", required: false, path + ".");
                if (weight is not null && algorithm is not null)
                {
                    if (!algorithm.UsesWeightSchedule)
                        Error(path + ".weight", $"{algorithm.Name} takes no weight schedule (only {string.Join(", ", Algorithms.All.Where(a => a.UsesWeightSchedule).Select(a => a.Name))} do).");
                    else
                    {
                        try
                        {
                            weight = WeightSchedules.Parse(weight).Spec;
                        }
                        catch (FormatException bad)
                        {
                            Error(path + ".weight", $"unknown weight schedule '{weight}': {bad.Message}");
                        }
                    }
                }
                if (weight is null && algorithm is { UsesWeightSchedule: true }) weight = WeightSchedules.Default.Spec;
                IReadOnlyDictionary<string, double> own = Hyperparameters(entry, "hyperparameters", iterations, shared, path + ".") ?? new Dictionary<string, double>();
                if (name is not null && algorithm is not null) configs.Add(new StudyConfig(name, algorithm, weight, own));
            }
            return configs;
        }

        /// <summary>The reference policies the normalised score needs, for those the plan lacks.</summary>
        private static IEnumerable<StudyConfig> References(List<StudyConfig> configs)
        {
            foreach (Algorithm reference in new[] { Algorithm.Random, Algorithm.Demo })
            {
                if (configs.Any(config => config.Algorithm.Algorithm == reference)) continue;
                string name = reference.Name();
                if (configs.Any(config => config.Name == name)) name += "-reference";
                yield return new StudyConfig(name, reference.Info(), null, new Dictionary<string, double>()) { Automatic = true };
            }
        }

        private IReadOnlyList<CorruptionLevel>? Corruption(JsonObject top)
        {
            if (!top.TryGetPropertyValue("corruption", out JsonNode? node) || node is null) return null;
            if (node is not JsonArray array)
            {
                Error("corruption", $"must be a list of levels such as {{\"kind\": \"detour\", \"fraction\": 0.5}}, got {Kind(node)}.");
                return null;
            }
            if (array.Count == 0) Error("corruption", "is empty: leave it out for clean demonstrations only, or list [{\"kind\": \"none\", \"fraction\": 0}, ...].");
            var levels = new List<CorruptionLevel>();
            for (int i = 0; i < array.Count; i++)
            {
                string path = $"corruption[{i}]";
                if (array[i] is not JsonObject entry)
                {
                    Error(path, $"must be an object with kind and fraction, got {Kind(array[i])}.");
                    continue;
                }
                UnknownKeys(entry, path + ".", CorruptionKeys);
                string? kindText = Text(entry, "kind", required: true, path + ".");
                double? fraction = Number(entry, "fraction", path + ".");
                CorruptionKind? kind = null;
                bool known = true;
                if (kindText is not null && kindText != "none")
                {
                    try
                    {
                        kind = DemonstrationCorruption.Parse(kindText);
                    }
                    catch (FormatException)
                    {
                        Error(path + ".kind", $"unknown corruption kind '{kindText}': expected none, detour, wait or drop.");
                        known = false;
                    }
                }
                double value = fraction ?? 0;
                if (kindText == "none" && value != 0) Error(path + ".fraction", $"must be 0 for kind none, got {Invariant(value)}.");
                else if (kind is not null && fraction is null) Error(path + ".fraction", "is required: the share of agents to corrupt, above 0 and at most 1.");
                else if (kind is not null && !(value > 0 && value <= 1)) Error(path + ".fraction", $"must be above 0 and at most 1, got {Invariant(value)}.");
                else if (kind == CorruptionKind.Drop && value == 1) Error(path + ".fraction", "drop 1 leaves no agent with a demonstration: nothing would be learnt from them.");
                if (kindText is null || !known) continue;
                var level = new CorruptionLevel(kind, kind is null ? 0 : value);
                if (levels.Contains(level)) Error(path, $"repeats the level {level.Label}.");
                else levels.Add(level);
            }
            return levels;
        }

        /// <summary>Name/number pairs, each name checked against the trainer's record and the whole set against its rules.</summary>
        private IReadOnlyDictionary<string, double>? Hyperparameters(JsonObject parent, string key, int? iterations,
            IReadOnlyDictionary<string, double>? shared = null, string prefix = "")
        {
            if (!parent.TryGetPropertyValue(key, out JsonNode? node) || node is null) return null;
            string path = prefix + key;
            if (node is not JsonObject values)
            {
                Error(path, $"must be an object of names and numbers such as {{\"Envs\": 4, \"Steps\": 32}}, got {Kind(node)}.");
                return null;
            }
            var result = new Dictionary<string, double>();
            foreach ((string name, JsonNode? value) in values)
            {
                if (name == nameof(Learning.Hyperparameters.Iterations))
                {
                    Error($"{path}.{name}", "is set by the study's own iterations key, which every run shares.");
                    continue;
                }
                if (!HyperparameterValues.Names.Contains(name))
                {
                    Error($"{path}.{name}", $"unknown hyperparameter{Closest(name, HyperparameterValues.Names)}. Known: {string.Join(", ", HyperparameterValues.Names.Where(n => n != nameof(Learning.Hyperparameters.Iterations)))}.");
                    continue;
                }
                double? number = TryNumber(value, out double d) ? d
                    : value is JsonValue flag && flag.TryGetValue(out bool b) ? (b ? 1 : 0) : null;
                if (number is null) Error($"{path}.{name}", $"must be a number, got {Kind(value)}.");
                else result[name] = number.Value;
            }
            var combined = new Dictionary<string, double>(shared ?? new Dictionary<string, double>());
            foreach ((string name, double value) in result) combined[name] = value;
            try
            {
                HyperparameterValues.Apply(new Learning.Hyperparameters { Iterations = iterations ?? 1 }, combined);
            }
            catch (Exception rule) when (rule is ArgumentException or OverflowException)
            {
                Error(path, rule.Message);
            }
            return result;
        }

        private void UnknownKeys(JsonObject node, string prefix, string[] known)
        {
            foreach ((string key, _) in node)
                if (!known.Contains(key)) Error(prefix + key, $"unknown key{Closest(key, known)}. Known keys here: {string.Join(", ", known)}.");
        }

        private string? Text(JsonObject parent, string key, bool required, string prefix = "")
        {
            if (!parent.TryGetPropertyValue(key, out JsonNode? node) || node is null)
            {
                if (required) Error(prefix + key, "is required.");
                return null;
            }
            if (node is JsonValue value && value.TryGetValue(out string? text)) return text.Trim();
            Error(prefix + key, $"must be text, got {Kind(node)}.");
            return null;
        }

        private int? Integer(JsonObject parent, string key, int min, int max, string prefix = "")
        {
            if (!parent.TryGetPropertyValue(key, out JsonNode? node) || node is null) return null;
            if (TryNumber(node, out double number) && number == Math.Floor(number) && number >= min && number <= max) return (int)number;
            Error(prefix + key, Range(min, max, node));
            return null;
        }

        private IReadOnlyList<int>? Integers(JsonObject parent, string key, int min, int max, bool required)
        {
            if (!parent.TryGetPropertyValue(key, out JsonNode? node) || node is null)
            {
                if (required) Error(key, "is required: a list of whole numbers, e.g. [1, 2, 3].");
                return null;
            }
            if (node is not JsonArray array)
            {
                Error(key, $"must be a list of whole numbers, e.g. [1, 2, 3], got {Kind(node)}.");
                return null;
            }
            if (array.Count == 0)
            {
                Error(key, "is empty: the axis needs at least one value.");
                return null;
            }
            var values = new List<int>();
            for (int i = 0; i < array.Count; i++)
            {
                JsonNode? item = array[i];
                if (TryNumber(item, out double number) && number == Math.Floor(number) && number >= min && number <= max)
                {
                    if (values.Contains((int)number)) Error($"{key}[{i}]", $"repeats {(int)number}.");
                    else values.Add((int)number);
                }
                else Error($"{key}[{i}]", Range(min, max, item));
            }
            return values;
        }

        private double? Number(JsonObject parent, string key, string prefix = "")
        {
            if (!parent.TryGetPropertyValue(key, out JsonNode? node) || node is null) return null;
            if (TryNumber(node, out double number) && double.IsFinite(number)) return number;
            Error(prefix + key, $"must be a number, got {Kind(node)}.");
            return null;
        }

        private bool? Boolean(JsonObject parent, string key)
        {
            if (!parent.TryGetPropertyValue(key, out JsonNode? node) || node is null) return null;
            if (node is JsonValue value && value.TryGetValue(out bool flag)) return flag;
            Error(key, $"must be true or false, got {Kind(node)}.");
            return null;
        }

        private static string Range(int min, int max, JsonNode? node) =>
            (min, max) == (int.MinValue, int.MaxValue) ? $"must be a whole number, got {Kind(node)}."
            : max == int.MaxValue ? $"must be a whole number of at least {min}, got {Kind(node)}."
            : $"must be a whole number from {min} to {max}, got {Kind(node)}.";

        private static bool ValidName(string name) =>
            name.Length is > 0 and <= 60 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');
    }

    /// <summary>A JSON number, whether it was read from text or set in code (an override).</summary>
    private static bool TryNumber(JsonNode? node, out double number)
    {
        number = 0;
        return node is JsonValue value && value.GetValueKind() == JsonValueKind.Number
            && double.TryParse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out number);
    }

    /// <summary>What a value is, for messages: <c>text "abc"</c>, <c>the number 2.5</c>, <c>a list</c>.</summary>
    private static string Kind(JsonNode? node) => node switch
    {
        null => "null",
        JsonArray => "a list",
        JsonObject => "an object",
        JsonValue value when value.GetValueKind() == JsonValueKind.String => $"text \"{value.GetValue<string>()}\"",
        JsonValue value when value.GetValueKind() == JsonValueKind.Number => $"the number {value.ToJsonString()}",
        _ => node.ToJsonString(),
    };

    private static string Closest(string word, IEnumerable<string> names)
    {
        string? best = names.MinBy(name => Spelling.EditDistance(word.ToLowerInvariant(), name.ToLowerInvariant()));
        return best is not null && Spelling.EditDistance(word.ToLowerInvariant(), best.ToLowerInvariant()) <= Math.Max(2, word.Length / 3) ? $" '{word}': did you mean '{best}'?" : $" '{word}'.";
    }

    private static string Invariant(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}

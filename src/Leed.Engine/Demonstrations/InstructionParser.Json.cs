// The structured JSON answer format of InstructionParser, with errors located by JSON path and by line and column.
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Leed.Engine.Demonstrations;

public static partial class InstructionParser
{
    /// <summary>
    /// The JSON schema of the structured answer, for <see cref="LlmRequest.ResponseSchema"/>. Strict
    /// structured output requires every property listed and no others.
    /// </summary>
    public static LlmJsonSchema AnswerSchema { get; } = new(
        "demonstrations",
        """
        {
          "type": "object",
          "properties": {
            "agents": {
              "type": "array",
              "items": {
                "type": "object",
                "properties": {
                  "agent": { "type": "integer", "description": "The agent id i of Agent_i." },
                  "instructions": {
                    "type": "array",
                    "items": { "type": "string", "description": "One instruction, e.g. [MoveTo, Intersection_3, Agent_0] or [Wait, 2, Agent_0]." }
                  }
                },
                "required": ["agent", "instructions"],
                "additionalProperties": false
              }
            }
          },
          "required": ["agents"],
          "additionalProperties": false
        }
        """);

    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        AllowTrailingCommas = true,
        CommentHandling = JsonCommentHandling.Skip,
        MaxDepth = 32,
    };

    private static readonly JsonReaderOptions ReaderOptions = new()
    {
        AllowTrailingCommas = true,
        CommentHandling = JsonCommentHandling.Skip,
        MaxDepth = 32,
    };

    private const int MaxQuotedLength = 120;

    /// <param name="Result">The answer read as JSON, or null when the text holds no JSON answer.</param>
    /// <param name="SyntaxError">Set when the text tried to be JSON and is malformed.</param>
    private readonly record struct JsonAttempt(ParsedInstructions? Result, ParseError? SyntaxError);

    private static JsonAttempt TryParseJsonAnswer(string text, TextMap map)
    {
        if (!TryFindJson(text, out int start, out int length, out bool clearlyJson)) return default;
        string json = text.Substring(start, length);

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, DocumentOptions);
        }
        catch (JsonException e)
        {
            if (!clearlyJson) return default;
            int line = (int)(e.LineNumber ?? 0);
            int column = (int)(e.BytePositionInLine ?? 0);
            (int startLine, int startColumn) = map.Locate(start);
            // The exception counts from the start of the JSON text, 0-based and in UTF-8 bytes.
            int absoluteLine = startLine + line;
            int absoluteColumn = (line == 0 ? startColumn : 1) + column;
            string message = e.Message;
            int cut = message.IndexOf(" Path:", StringComparison.Ordinal);
            if (cut > 0) message = message[..cut];
            return new JsonAttempt(null, new ParseError(absoluteLine, absoluteColumn, "",
                "the JSON answer is malformed: " + message));
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !TryGetProperty(root, "agents", out JsonProperty agents))
            {
                // Valid JSON but not our answer; the line grammar may still find instructions.
                var error = new ParseError(map.Locate(start).Line, map.Locate(start).Column, Quote(root.GetRawText()),
                    "the JSON answer has no \"agents\" array; " + ExpectedForm, "$");
                return new JsonAttempt(null, clearlyJson ? error : null);
            }
            var reader = new JsonAnswerReader(start, map, PositionsOf(json));
            return new JsonAttempt(reader.Read(agents), null);
        }
    }

    // A fence is the clearest signal; otherwise the outermost braces, which lets "Here you go: {...}" work.
    private static bool TryFindJson(string text, out int start, out int length, out bool clearlyJson)
    {
        foreach (Match fence in JsonFence().Matches(text))
        {
            Group body = fence.Groups["body"];
            if (body.Value.TrimStart().StartsWith('{'))
            {
                (start, length, clearlyJson) = (body.Index, body.Length, true);
                return true;
            }
        }

        int first = text.IndexOf('{');
        int last = text.LastIndexOf('}');
        if (first >= 0 && last > first)
        {
            (start, length) = (first, last - first + 1);
            clearlyJson = text.AsSpan(0, first).IsWhiteSpace();
            return true;
        }

        (start, length, clearlyJson) = (0, 0, false);
        return false;
    }

    private static bool TryGetProperty(JsonElement element, string name, out JsonProperty property)
    {
        foreach (JsonProperty candidate in element.EnumerateObject())
        {
            if (candidate.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                property = candidate;
                return true;
            }
        }
        property = default;
        return false;
    }

    private static string Quote(string raw) =>
        raw.Length <= MaxQuotedLength ? raw : raw[..MaxQuotedLength] + "...";

    /// <summary>
    /// Character offset (within the JSON text) of every value by JSON path. JsonDocument has no
    /// positions, so a reader pass supplies them for the error messages.
    /// </summary>
    private static Dictionary<string, int> PositionsOf(string json)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(json);
        var positions = new Dictionary<string, int>(StringComparer.Ordinal);
        var frames = new Stack<PathFrame>();
        var reader = new Utf8JsonReader(bytes, ReaderOptions);
        int countedBytes = 0, countedChars = 0;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName:
                    frames.Peek().Property = reader.GetString();
                    break;
                case JsonTokenType.EndObject:
                case JsonTokenType.EndArray:
                    frames.Pop();
                    break;
                default:
                    string path = frames.Count == 0 ? "$" : frames.Peek().Child();
                    int tokenStart = (int)reader.TokenStartIndex;
                    // Offsets only grow, so the byte-to-char conversion is counted incrementally.
                    countedChars += Encoding.UTF8.GetCharCount(bytes, countedBytes, tokenStart - countedBytes);
                    countedBytes = tokenStart;
                    positions.TryAdd(path, countedChars);
                    if (frames.Count > 0 && frames.Peek().IsArray) frames.Peek().Index++;
                    if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                        frames.Push(new PathFrame(path, reader.TokenType == JsonTokenType.StartArray));
                    break;
            }
        }
        return positions;
    }

    private sealed class PathFrame(string path, bool isArray)
    {
        public bool IsArray { get; } = isArray;
        public int Index { get; set; }
        public string? Property { get; set; }

        public string Child() => IsArray
            ? string.Create(CultureInfo.InvariantCulture, $"{path}[{Index}]")
            : $"{path}.{Property}";
    }

    /// <summary>Walks a parsed <c>{"agents":[...]}</c> answer, collecting instructions and located errors.</summary>
    private sealed class JsonAnswerReader(int jsonStart, TextMap map, Dictionary<string, int> positions)
    {
        private readonly List<LocatedInstruction> _instructions = [];
        private readonly List<ParseError> _errors = [];
        private readonly List<int> _declared = [];
        private int? _entryAgent; // the agent of the entry being read, so its errors go back to it

        public ParsedInstructions Read(JsonProperty agents)
        {
            string agentsPath = "$." + agents.Name;
            if (agents.Value.ValueKind != JsonValueKind.Array)
            {
                Error(agentsPath, agents.Value, "expected \"agents\" to be an array of {\"agent\": <i>, \"instructions\": [...]}");
            }
            else
            {
                int index = 0;
                foreach (JsonElement entry in agents.Value.EnumerateArray())
                    ReadAgent(string.Create(CultureInfo.InvariantCulture, $"{agentsPath}[{index++}]"), entry);
            }

            return new ParsedInstructions
            {
                Instructions = _instructions,
                Errors = _errors,
                Format = AnswerFormat.Json,
                DeclaredAgents = _declared,
            };
        }

        private void ReadAgent(string path, JsonElement entry)
        {
            _entryAgent = null;
            if (entry.ValueKind != JsonValueKind.Object)
            {
                Error(path, entry, "expected an object {\"agent\": <i>, \"instructions\": [...]}");
                return;
            }

            int? agent = null;
            if (!TryGetProperty(entry, "agent", out JsonProperty agentProperty))
                Error(path, entry, "missing \"agent\": the agent id i of Agent_i");
            else if (TryAgentId(agentProperty.Value, out int id))
                agent = id;
            else
                Error($"{path}.{agentProperty.Name}", agentProperty.Value, "expected the agent id as a whole number, e.g. 0 or \"Agent_0\"");

            if (agent is int declared)
            {
                _entryAgent = declared;
                if (_declared.Contains(declared))
                {
                    Error($"{path}.{agentProperty.Name}", agentProperty.Value,
                        string.Create(CultureInfo.InvariantCulture, $"agent {declared} is listed twice; give each agent one entry"));
                    agent = null;
                }
                else
                {
                    _declared.Add(declared);
                }
            }

            if (!TryGetProperty(entry, "instructions", out JsonProperty list))
            {
                Error(path, entry, "missing \"instructions\": an array of instruction strings");
                return;
            }

            string listPath = $"{path}.{list.Name}";
            if (list.Value.ValueKind == JsonValueKind.String)
            {
                // Some models put the whole route in one string; read it line by line.
                ReadInstructionText(listPath, list.Value, agent, allowMany: true);
            }
            else if (list.Value.ValueKind == JsonValueKind.Array)
            {
                int index = 0;
                foreach (JsonElement item in list.Value.EnumerateArray())
                {
                    string itemPath = string.Create(CultureInfo.InvariantCulture, $"{listPath}[{index++}]");
                    if (item.ValueKind == JsonValueKind.String)
                        ReadInstructionText(itemPath, item, agent, allowMany: false);
                    else
                        Error(itemPath, item, "expected an instruction string such as \"[MoveTo, Intersection_3, Agent_0]\"");
                }
            }
            else
            {
                Error(listPath, list.Value, "expected an array of instruction strings");
            }
        }

        private void ReadInstructionText(string path, JsonElement value, int? agent, bool allowMany)
        {
            string raw = value.GetString() ?? "";
            var parsed = new List<Instruction>();
            if (allowMany)
            {
                foreach (Match group in BracketGroup().Matches(raw))
                {
                    if (TryParseContent(group.Groups["content"].Value, out Instruction? one, out string why))
                        parsed.Add(one!);
                    else
                        Error(path, group.Value, why);
                }
                if (parsed.Count == 0 && !string.IsNullOrWhiteSpace(raw) && BracketGroup().Count(raw) == 0)
                    Error(path, raw, "no instruction found; " + ExpectedForm);
            }
            else if (TryParse(raw, out Instruction? instruction, out string reason))
            {
                parsed.Add(instruction!);
            }
            else
            {
                Error(path, raw, reason);
            }

            (int line, int column) = Locate(path);
            foreach (Instruction instruction in parsed)
            {
                if (agent is null) continue;
                if (instruction.Agent != agent)
                {
                    Error(path, instruction.Format(), string.Create(CultureInfo.InvariantCulture,
                        $"written for Agent_{instruction.Agent} but listed under agent {agent}"));
                    continue;
                }
                _instructions.Add(new LocatedInstruction(instruction, line, column));
            }
        }

        private static bool TryAgentId(JsonElement value, out int id)
        {
            id = -1;
            if (value.ValueKind == JsonValueKind.Number) return value.TryGetInt32(out id) && id >= 0;
            if (value.ValueKind != JsonValueKind.String) return false;
            string raw = value.GetString()!.Trim();
            Match named = AgentName().Match(raw);
            string digits = named.Success ? named.Groups["n"].Value : raw;
            return WholeNumber().IsMatch(digits)
                && int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out id);
        }

        private (int Line, int Column) Locate(string path) =>
            positions.TryGetValue(path, out int offset) ? map.Locate(jsonStart + offset) : (0, 0);

        private void Error(string path, JsonElement value, string reason) =>
            Error(path, value.GetRawText(), reason);

        private void Error(string path, string quoted, string reason)
        {
            (int line, int column) = Locate(path);
            _errors.Add(new ParseError(line, column, Quote(quoted), reason, path, _entryAgent));
        }
    }

    [GeneratedRegex(@"```[ \t]*(?:json)?[ \t]*\r?\n(?<body>.*?)```", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex JsonFence();
}

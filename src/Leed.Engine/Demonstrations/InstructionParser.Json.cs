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

    // An unclosed '{"' may be a stray brace in prose, so the objects after it are looked for too; a
    // few such restarts keep the scan linear in the length of the reply.
    private const int MaxUnclosedObjects = 8;

    /// <summary>A stretch of the reply that starts like a JSON object: from its '{' to the matching '}', or to the end when unclosed.</summary>
    private readonly record struct JsonSpan(int Start, int Length, bool Closed);

    /// <summary>
    /// The JSON answer in <paramref name="text"/>, or null when the text holds no JSON object at
    /// all (then the line grammar applies). When the text holds JSON but no usable answer, the
    /// result is that JSON's error, located, and no instructions.
    /// </summary>
    private static ParsedInstructions? ReadJsonAnswer(string text, TextMap map, int maxWait)
    {
        List<JsonSpan> spans = JsonObjectsIn(text);
        if (spans.Count == 0) return null;

        // The last complete object with an "agents" property is the answer: models restate a draft, then correct it.
        for (int index = spans.Count - 1; index >= 0; index--)
        {
            JsonSpan span = spans[index];
            if (!span.Closed) continue;
            string json = text.Substring(span.Start, span.Length);
            if (!TryParseDocument(json, out JsonDocument? document, out _)) continue;
            using (document)
            {
                if (document!.RootElement.ValueKind == JsonValueKind.Object && TryGetProperty(document.RootElement, "agents", out JsonProperty agents))
                    return new JsonAnswerReader(span.Start, map, PositionsOf(json), maxWait).Read(agents);
            }
        }

        // JSON without an answer: say what is wrong with the latest attempt at one (not one nested inside an earlier).
        JsonSpan attempt = spans[0];
        foreach (JsonSpan span in spans)
        {
            if (span.Start >= attempt.Start + attempt.Length) attempt = span;
        }
        return Failed(AnswerFormat.Json, JsonAttemptError(text, map, attempt));
    }

    private static ParseError JsonAttemptError(string text, TextMap map, JsonSpan span)
    {
        string json = text.Substring(span.Start, span.Length);
        (int startLine, int startColumn) = map.Locate(span.Start);
        if (!TryParseDocument(json, out JsonDocument? document, out JsonException? error))
        {
            // The exception counts from the start of the JSON text, 0-based and in UTF-8 bytes.
            int line = (int)(error!.LineNumber ?? 0);
            int column = (int)(error.BytePositionInLine ?? 0);
            string message = error.Message;
            int cut = message.IndexOf(" Path:", StringComparison.Ordinal);
            if (cut > 0) message = message[..cut];
            string unclosed = span.Closed ? "" : " (its object is never closed)";
            return new ParseError(startLine + line, (line == 0 ? startColumn : 1) + column, "",
                "the JSON answer is malformed" + unclosed + ": " + message);
        }
        using (document)
        {
            return new ParseError(startLine, startColumn, Quote(document!.RootElement.GetRawText()),
                "the JSON answer has no \"agents\" array; " + ExpectedForm, "$");
        }
    }

    private static bool TryParseDocument(string json, out JsonDocument? document, out JsonException? error)
    {
        try
        {
            document = JsonDocument.Parse(json, DocumentOptions);
            error = null;
            return true;
        }
        catch (JsonException e)
        {
            document = null;
            error = e;
            return false;
        }
    }

    /// <summary>
    /// Every stretch that starts like a JSON object (<c>{</c> then <c>"</c>), in order, each from its
    /// brace to the matching one. Braces inside JSON strings and comments do not count, so prose that
    /// quotes a brace after the answer, or before it, leaves the answer whole.
    /// </summary>
    private static List<JsonSpan> JsonObjectsIn(string text)
    {
        var spans = new List<JsonSpan>();
        int unclosed = 0;
        for (int start = NextObjectStart(text, 0); start >= 0;)
        {
            int end = MatchingBrace(text, start);
            if (end >= 0)
            {
                spans.Add(new JsonSpan(start, end - start + 1, Closed: true));
                start = NextObjectStart(text, end + 1);
                continue;
            }
            spans.Add(new JsonSpan(start, text.Length - start, Closed: false));
            if (++unclosed >= MaxUnclosedObjects) break;
            start = NextObjectStart(text, start + 1);
        }
        return spans;
    }

    private static int NextObjectStart(string text, int from)
    {
        for (int i = text.IndexOf('{', from); i >= 0; i = text.IndexOf('{', i + 1))
        {
            int next = i + 1;
            while (next < text.Length && char.IsWhiteSpace(text[next])) next++;
            if (next < text.Length && text[next] == '"') return i;
        }
        return -1;
    }

    /// <summary>The index of the brace that closes the object opened at <paramref name="start"/>, or -1 when the text ends first.</summary>
    private static int MatchingBrace(string text, int start)
    {
        int depth = 0;
        bool inString = false;
        for (int i = start; i < text.Length; i++)
        {
            char c = text[i];
            if (inString)
            {
                if (c == '\\') i++;
                else if (c == '"') inString = false;
                continue;
            }
            switch (c)
            {
                case '"':
                    inString = true;
                    break;
                case '{':
                    depth++;
                    break;
                case '}':
                    if (--depth == 0) return i;
                    break;
                case '/' when i + 1 < text.Length && text[i + 1] == '/':
                    i = text.IndexOf('\n', i);
                    if (i < 0) return -1;
                    break;
                case '/' when i + 1 < text.Length && text[i + 1] == '*':
                    i = text.IndexOf("*/", i + 2, StringComparison.Ordinal);
                    if (i < 0) return -1;
                    i++;
                    break;
            }
        }
        return -1;
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
    private sealed class JsonAnswerReader(int jsonStart, TextMap map, Dictionary<string, int> positions, int maxWait)
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
                    Collect(ReadContent(group.Groups["content"].Value, maxWait, out Instruction? one, out string why), one, group.Value, why);
                if (parsed.Count == 0 && !string.IsNullOrWhiteSpace(raw) && BracketGroup().Count(raw) == 0)
                    Error(path, raw, "no instruction found; " + ExpectedForm);
            }
            else
            {
                Collect(ReadOne(raw, maxWait, out Instruction? instruction, out string reason), instruction, raw, reason);
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

            // An out-of-bounds instruction is kept as well as reported, so that its route fails validation as written.
            void Collect(Verdict verdict, Instruction? instruction, string quoted, string reason)
            {
                if (verdict != Verdict.Malformed) parsed.Add(instruction!);
                if (verdict != Verdict.Instruction) Error(path, quoted, reason);
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
}

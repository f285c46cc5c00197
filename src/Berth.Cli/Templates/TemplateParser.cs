using System.Text;

namespace Berth.Cli.Templates;

/// <summary>A parse or execution error in a --format template.</summary>
public sealed class TemplateException(string message) : Exception(message);

internal abstract record Node;
internal sealed record TextNode(string Text) : Node;
internal sealed record ActionNode(Pipeline Pipe) : Node;
internal sealed record IfNode(Pipeline Cond, List<Node> Then, List<Node>? Else) : Node;
internal sealed record RangeNode(Pipeline Over, List<Node> Body, List<Node>? Else) : Node;
internal sealed record WithNode(Pipeline Value, List<Node> Body, List<Node>? Else) : Node;

internal sealed record Pipeline(List<Command> Commands);
internal sealed record Command(List<Arg> Args);

internal abstract record Arg;
/// <summary>.A.B (Root: $ or $.A.B); empty Fields is "." itself.</summary>
internal sealed record FieldArg(bool Root, string[] Fields) : Arg;
internal sealed record FuncArg(string Name) : Arg;
internal sealed record LiteralArg(object? Value) : Arg;
internal sealed record SubPipeArg(Pipeline Pipe) : Arg;

/// <summary>Parses the subset of Go's text/template docker users write in --format.</summary>
internal static class TemplateParser
{
    public static List<Node> Parse(string template)
    {
        var tokens = Split(template);
        var pos = 0;
        var nodes = ParseList(tokens, ref pos, out var stop);
        if (stop is not null)
        {
            throw new TemplateException($"template: :1: unexpected {{{{{stop}}}}}");
        }
        return nodes;
    }

    // Splits into (isAction, text) pieces, applying {{- and -}} whitespace trimming.
    private static List<(bool Action, string Text)> Split(string s)
    {
        var list = new List<(bool, string)>();
        var i = 0;
        var trimNext = false;
        while (i < s.Length)
        {
            var open = s.IndexOf("{{", i, StringComparison.Ordinal);
            var text = open < 0 ? s[i..] : s[i..open];
            if (trimNext)
            {
                text = text.TrimStart();
            }
            if (open < 0)
            {
                list.Add((false, text));
                break;
            }
            var close = s.IndexOf("}}", open + 2, StringComparison.Ordinal);
            if (close < 0)
            {
                throw new TemplateException("template: :1: unclosed action");
            }
            var inner = s[(open + 2)..close];
            if (inner.StartsWith("- ", StringComparison.Ordinal))
            {
                text = text.TrimEnd();
                inner = inner[2..];
            }
            trimNext = inner.EndsWith(" -", StringComparison.Ordinal);
            if (trimNext)
            {
                inner = inner[..^2];
            }
            list.Add((false, text));
            inner = inner.Trim();
            if (!inner.StartsWith("/*", StringComparison.Ordinal))
            {
                list.Add((true, inner));
            }
            i = close + 2;
        }
        return list;
    }

    private static List<Node> ParseList(List<(bool Action, string Text)> tokens, ref int pos, out string? stop)
    {
        var nodes = new List<Node>();
        stop = null;
        while (pos < tokens.Count)
        {
            var (action, text) = tokens[pos++];
            if (!action)
            {
                if (text.Length > 0)
                {
                    nodes.Add(new TextNode(text));
                }
                continue;
            }
            var word = text.Split(' ', 2)[0];
            switch (word)
            {
                case "end":
                case "else":
                    stop = text;
                    return nodes;
                case "if":
                case "range":
                case "with":
                    var pipe = ParsePipeline(text[word.Length..]);
                    var body = ParseList(tokens, ref pos, out var s1);
                    List<Node>? elseBody = null;
                    if (s1 == "else")
                    {
                        elseBody = ParseList(tokens, ref pos, out s1);
                    }
                    if (s1 != "end")
                    {
                        throw new TemplateException($"template: :1: unexpected EOF in {word}");
                    }
                    nodes.Add(word switch
                    {
                        "if" => new IfNode(pipe, body, elseBody),
                        "range" => new RangeNode(pipe, body, elseBody),
                        _ => new WithNode(pipe, body, elseBody),
                    });
                    break;
                default:
                    nodes.Add(new ActionNode(ParsePipeline(text)));
                    break;
            }
        }
        return nodes;
    }

    public static Pipeline ParsePipeline(string text)
    {
        var pos = 0;
        var pipe = ParsePipe(text, ref pos, inParens: false);
        return pipe;
    }

    private static Pipeline ParsePipe(string s, ref int pos, bool inParens)
    {
        var commands = new List<Command>();
        var args = new List<Arg>();
        while (true)
        {
            while (pos < s.Length && char.IsWhiteSpace(s[pos]))
            {
                pos++;
            }
            if (pos >= s.Length)
            {
                if (inParens)
                {
                    throw new TemplateException("template: :1: unclosed left paren");
                }
                break;
            }
            var c = s[pos];
            if (c == ')' && inParens)
            {
                pos++;
                break;
            }
            if (c == '|')
            {
                pos++;
                AddCommand(commands, args);
                args = [];
                continue;
            }
            if (c == '(')
            {
                pos++;
                args.Add(new SubPipeArg(ParsePipe(s, ref pos, inParens: true)));
                continue;
            }
            if (c is '"' or '`')
            {
                args.Add(new LiteralArg(ReadString(s, ref pos)));
                continue;
            }
            var start = pos;
            while (pos < s.Length && !char.IsWhiteSpace(s[pos]) && s[pos] is not ('|' or ')' or '('))
            {
                pos++;
            }
            args.Add(ParseWord(s[start..pos]));
        }
        AddCommand(commands, args);
        return new Pipeline(commands);
    }

    private static void AddCommand(List<Command> commands, List<Arg> args)
    {
        if (args.Count == 0)
        {
            throw new TemplateException("template: :1: missing value for command");
        }
        commands.Add(new Command(args));
    }

    private static Arg ParseWord(string w)
    {
        if (w == ".")
        {
            return new FieldArg(false, []);
        }
        if (w.StartsWith('.'))
        {
            return new FieldArg(false, w[1..].Split('.'));
        }
        if (w == "$")
        {
            return new FieldArg(true, []);
        }
        if (w.StartsWith("$.", StringComparison.Ordinal))
        {
            return new FieldArg(true, w[2..].Split('.'));
        }
        if (w is "true" or "false")
        {
            return new LiteralArg(w == "true");
        }
        if (w == "nil")
        {
            return new LiteralArg(null);
        }
        if (long.TryParse(w, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var n))
        {
            return new LiteralArg(n);
        }
        if (char.IsLetter(w[0]))
        {
            return new FuncArg(w);
        }
        throw new TemplateException($"template: :1: unexpected \"{w}\" in command");
    }

    private static string ReadString(string s, ref int pos)
    {
        var quote = s[pos++];
        var sb = new StringBuilder();
        while (pos < s.Length && s[pos] != quote)
        {
            var c = s[pos++];
            if (quote == '"' && c == '\\' && pos < s.Length)
            {
                var e = s[pos++];
                sb.Append(e switch { 'n' => '\n', 't' => '\t', 'r' => '\r', '0' => '\0', _ => e });
                continue;
            }
            sb.Append(c);
        }
        if (pos >= s.Length)
        {
            throw new TemplateException("template: :1: unterminated quoted string");
        }
        pos++;
        return sb.ToString();
    }
}

using System.Text;

namespace Berth.Engine.Images;

/// <summary>
/// The Dockerfile shell lexer, as far as metadata instructions need it: splitting on unquoted
/// whitespace, then removing quotes and expanding $VAR / ${VAR} / ${VAR:-x} / ${VAR:+x} per word.
/// </summary>
internal static class ShellWords
{
    /// <summary>Splits on whitespace outside quotes; quotes and escapes are kept for <see cref="Expand"/>.</summary>
    public static List<string> Split(string text)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        char quote = '\0';
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quote == '\0' && char.IsWhiteSpace(c))
            {
                if (inWord) words.Add(word.ToString());
                word.Clear();
                inWord = false;
                continue;
            }
            inWord = true;
            word.Append(c);
            if (c == '\\' && quote != '\'' && i + 1 < text.Length)
            {
                word.Append(text[++i]);
                continue;
            }
            if (quote == '\0' && c is '"' or '\'') quote = c;
            else if (c == quote) quote = '\0';
        }
        if (inWord) words.Add(word.ToString());
        return words;
    }

    /// <summary>Removes quotes and escapes and substitutes variables from <paramref name="env"/> ("K=V" entries).</summary>
    public static string Expand(string word, IReadOnlyList<string>? env)
    {
        var result = new StringBuilder(word.Length);
        char quote = '\0';
        for (var i = 0; i < word.Length; i++)
        {
            var c = word[i];
            if (quote == '\'')
            {
                if (c == '\'') quote = '\0';
                else result.Append(c);
                continue;
            }
            if (c == '\\' && i + 1 < word.Length)
            {
                var next = word[i + 1];
                // Inside double quotes only \" \\ \$ are escapes; elsewhere any character.
                if (quote == '"' && next is not ('"' or '\\' or '$')) result.Append(c);
                else i++;
                result.Append(word[i]);
                continue;
            }
            if (c == '"' && quote == '\0') { quote = '"'; continue; }
            if (c == '"' && quote == '"') { quote = '\0'; continue; }
            if (c == '\'' && quote == '\0') { quote = '\''; continue; }
            if (c == '$' && i + 1 < word.Length)
            {
                i = Substitute(word, i, env, result);
                continue;
            }
            result.Append(c);
        }
        return result.ToString();
    }

    /// <summary>Expands the variable starting at word[dollar]; returns the index of its last character.</summary>
    private static int Substitute(string word, int dollar, IReadOnlyList<string>? env, StringBuilder result)
    {
        var i = dollar + 1;
        if (word[i] == '{')
        {
            var close = word.IndexOf('}', i);
            if (close < 0) { result.Append('$'); return dollar; }
            var body = word[(i + 1)..close];
            var colon = body.IndexOf(':');
            var name = colon < 0 ? body : body[..colon];
            var value = Lookup(name, env);
            if (colon >= 0 && colon + 1 < body.Length)
            {
                var op = body[colon + 1];
                var operand = Expand(body[(colon + 2)..], env);
                value = op switch
                {
                    '-' => string.IsNullOrEmpty(value) ? operand : value,
                    '+' => string.IsNullOrEmpty(value) ? "" : operand,
                    _ => value,
                };
            }
            result.Append(value);
            return close;
        }
        var end = i;
        while (end < word.Length && (char.IsAsciiLetterOrDigit(word[end]) || word[end] == '_')) end++;
        if (end == i) { result.Append('$'); return dollar; }
        result.Append(Lookup(word[i..end], env));
        return end - 1;
    }

    private static string? Lookup(string name, IReadOnlyList<string>? env)
    {
        if (env is null) return "";
        // Last definition wins, like the environment the dispatcher builds.
        for (var k = env.Count - 1; k >= 0; k--)
            if (env[k].StartsWith(name + "=", StringComparison.Ordinal)) return env[k][(name.Length + 1)..];
        return "";
    }
}

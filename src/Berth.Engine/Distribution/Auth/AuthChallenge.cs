using System.Text;

namespace Berth.Engine.Distribution.Auth;

/// <summary>
/// One WWW-Authenticate challenge (RFC 7235): a scheme ("Bearer", "Basic") and its parameters,
/// e.g. <c>Bearer realm="https://auth.example/token",service="registry",scope="repository:a:pull"</c>.
/// </summary>
public sealed record AuthChallenge(string Scheme, IReadOnlyDictionary<string, string> Parameters)
{
    public bool IsBearer => Scheme.Equals("bearer", StringComparison.OrdinalIgnoreCase);
    public bool IsBasic => Scheme.Equals("basic", StringComparison.OrdinalIgnoreCase);

    public string? this[string name] => Parameters.TryGetValue(name, out var value) ? value : null;

    /// <summary>
    /// Parses every challenge of a header value. Parameter names are case-insensitive; values are
    /// tokens or quoted strings with backslash escapes. Malformed input yields what parsed so far.
    /// </summary>
    public static IReadOnlyList<AuthChallenge> Parse(string header)
    {
        var result = new List<AuthChallenge>();
        var i = 0;
        while (i < header.Length)
        {
            SkipSeparators(header, ref i);
            var scheme = ReadToken(header, ref i);
            if (scheme.Length == 0) break;
            var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            while (i < header.Length)
            {
                SkipSpaces(header, ref i);
                var start = i;
                var name = ReadToken(header, ref i);
                SkipSpaces(header, ref i);
                if (name.Length == 0 || i >= header.Length || header[i] != '=')
                {
                    // Not a parameter: the start of the next challenge.
                    i = start;
                    break;
                }
                i++;
                SkipSpaces(header, ref i);
                parameters[name] = i < header.Length && header[i] == '"' ? ReadQuoted(header, ref i) : ReadToken(header, ref i);
                SkipSpaces(header, ref i);
                if (i < header.Length && header[i] == ',') i++;
            }
            result.Add(new AuthChallenge(scheme, parameters));
        }
        return result;
    }

    private static void SkipSpaces(string s, ref int i)
    {
        while (i < s.Length && s[i] is ' ' or '\t') i++;
    }

    private static void SkipSeparators(string s, ref int i)
    {
        while (i < s.Length && s[i] is ' ' or '\t' or ',') i++;
    }

    private static string ReadToken(string s, ref int i)
    {
        var start = i;
        while (i < s.Length && s[i] is not (' ' or '\t' or ',' or '=' or '"')) i++;
        return s[start..i];
    }

    private static string ReadQuoted(string s, ref int i)
    {
        var builder = new StringBuilder();
        i++; // opening quote
        while (i < s.Length && s[i] != '"')
        {
            if (s[i] == '\\' && i + 1 < s.Length) i++;
            builder.Append(s[i]);
            i++;
        }
        if (i < s.Length) i++; // closing quote
        return builder.ToString();
    }
}

using System.Globalization;
using System.Text;

namespace Berth.Core.CommandLine;

/// <summary>Go's strconv.ParseBool, ParseInt and Quote, whose behaviour and wording pflag's flags show.</summary>
public static class GoSyntax
{
    /// <summary>Go's strconv.Quote (printable Unicode kept, control characters escaped).</summary>
    public static string Quote(string s)
    {
        var sb = new StringBuilder("\"");
        foreach (var r in s.EnumerateRunes())
        {
            switch (r.Value)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\a': sb.Append("\\a"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\v': sb.Append("\\v"); break;
                default:
                    if (r.Value < 0x20 || r.Value == 0x7f)
                    {
                        sb.Append("\\x").Append(r.Value.ToString("x2", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(r.ToString());
                    }
                    break;
            }
        }
        return sb.Append('"').ToString();
    }

    /// <summary>Go's strconv.ParseBool: 1, t, T, TRUE, true, True and their false forms; null for anything else.</summary>
    public static bool? ParseBool(string s) => s switch
    {
        "1" or "t" or "T" or "true" or "TRUE" or "True" => true,
        "0" or "f" or "F" or "false" or "FALSE" or "False" => false,
        _ => null,
    };

    /// <summary>
    /// Go's <c>strconv.ParseInt(s, base, 64)</c> for base 0 (what pflag's int flags use: <c>0x</c>,
    /// <c>0o</c>, <c>0b</c> and leading-<c>0</c> octal prefixes, <c>_</c> between digits) or base 10.
    /// </summary>
    /// <exception cref="FormatException">strconv's message: <c>strconv.ParseInt: parsing "x": invalid syntax</c> or <c>value out of range</c>.</exception>
    public static long ParseInt(string s, bool baseZero = true)
    {
        FormatException Fail(string why) => new($"strconv.ParseInt: parsing {Quote(s)}: {why}");
        var i = s.Length > 0 && s[0] is '+' or '-' ? 1 : 0;
        var negative = i == 1 && s[0] == '-';
        if (i == s.Length)
        {
            throw Fail("invalid syntax");
        }
        var radix = 10u;
        if (baseZero && s[i] == '0')
        {
            var prefix = s.Length - i >= 3 ? char.ToLowerInvariant(s[i + 1]) : '\0';
            (radix, i) = prefix switch { 'b' => (2u, i + 2), 'o' => (8u, i + 2), 'x' => (16u, i + 2), _ => (8u, i + 1) };
        }
        ulong n = 0;
        var underscores = false;
        for (; i < s.Length; i++)
        {
            var c = s[i];
            if (c == '_' && baseZero)
            {
                underscores = true;
                continue;
            }
            var d = c switch { >= '0' and <= '9' => (uint)(c - '0'), >= 'a' and <= 'z' => (uint)(c - 'a') + 10, >= 'A' and <= 'Z' => (uint)(c - 'A') + 10, _ => 99u };
            if (d >= radix)
            {
                throw Fail("invalid syntax");
            }
            if (n > (ulong.MaxValue - d) / radix)
            {
                throw Fail("value out of range");
            }
            n = n * radix + d;
        }
        if (underscores && !UnderscoresSeparateDigits(s))
        {
            throw Fail("invalid syntax");
        }
        if (n > (negative ? 1UL << 63 : long.MaxValue))
        {
            throw Fail("value out of range");
        }
        return negative ? unchecked(-(long)n) : (long)n;
    }

    /// <summary>Go's rule for <c>_</c> in number literals: only between two digits (a base prefix counts as one).</summary>
    private static bool UnderscoresSeparateDigits(string s)
    {
        var i = s.Length > 0 && s[0] is '+' or '-' ? 1 : 0;
        var last = '^'; // ^ start, 0 digit or prefix, _ underscore, ! anything else
        var hex = false;
        if (s.Length - i >= 2 && s[i] == '0' && char.ToLowerInvariant(s[i + 1]) is 'b' or 'o' or 'x')
        {
            hex = char.ToLowerInvariant(s[i + 1]) == 'x';
            last = '0';
            i += 2;
        }
        for (; i < s.Length; i++)
        {
            var c = s[i];
            if (char.IsAsciiDigit(c) || (hex && char.IsAsciiHexDigit(c)))
            {
                last = '0';
            }
            else if (c == '_')
            {
                if (last != '0')
                {
                    return false;
                }
                last = '_';
            }
            else if (last == '_')
            {
                return false;
            }
            else
            {
                last = '!';
            }
        }
        return last != '_';
    }
}

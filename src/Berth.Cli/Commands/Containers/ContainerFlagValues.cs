using System.Globalization;
using System.Numerics;
using System.Text.RegularExpressions;
using Berth.Cli.Formatting;
using Berth.Core.CommandLine;
using Berth.EngineApi.Models;

namespace Berth.Cli.Commands.Containers;

/// <summary>
/// The value types of run/create flags, read as the docker CLI 28 reads them (its opts package
/// and go-units): each parser returns the value or throws <see cref="FormatException"/> with
/// docker's words, which <see cref="FlagSet"/> wraps as pflag does.
/// </summary>
public static partial class ContainerFlagValues
{
    private static readonly Dictionary<char, long> BinaryUnits = new()
    {
        ['k'] = 1L << 10, ['m'] = 1L << 20, ['g'] = 1L << 30, ['t'] = 1L << 40, ['p'] = 1L << 50,
    };

    private static readonly HashSet<string> UlimitNames =
    [
        "core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile", "nproc", "rss", "rtprio", "rttime", "sigpending", "stack",
    ];

    private static readonly HashSet<string> NamespacedSysctls =
        ["kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced"];

    [GeneratedRegex(@"^([0-9]+(?:\.[0-9]+)*) ?([kmgtpKMGTP])?[iI]?[bB]?\z")]
    private static partial Regex SizePattern();

    // opts.domainRegexp as docker writes it, "(:?" groups included (they let a label start with ':').
    [GeneratedRegex(@"^(:?(:?[a-zA-Z0-9]|(:?[a-zA-Z0-9][a-zA-Z0-9\-]*[a-zA-Z0-9]))(:?\.(:?[a-zA-Z0-9]|(:?[a-zA-Z0-9][a-zA-Z0-9\-]*[a-zA-Z0-9])))*)\.?[\t\n\f\r ]*\z")]
    private static partial Regex DomainPattern();

    [GeneratedRegex(@"^([+-]?)((?:[0-9]+(?:_[0-9]+)*)?)(?:\.((?:[0-9]+(?:_[0-9]+)*)?))?(?:[eE]([+-]?[0-9]+(?:_[0-9]+)*))?\z")]
    private static partial Regex DecimalPattern();

    /// <summary>go-units RAMInBytes: <c>16m</c>, <c>1.5g</c>, <c>512 KiB</c>, <c>1024</c> (bytes); units k to p are powers of 1024, any case.</summary>
    public static long RamInBytes(string size)
    {
        var m = SizePattern().Match(size);
        if (!m.Success)
        {
            throw new FormatException($"invalid size: '{size}'");
        }
        var digits = m.Groups[1].Value;
        if (!double.TryParse(digits, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var bytes))
        {
            throw new FormatException($"strconv.ParseFloat: parsing {DisplayText.Quote(digits)}: invalid syntax");
        }
        if (double.IsInfinity(bytes))
        {
            throw new FormatException($"strconv.ParseFloat: parsing {DisplayText.Quote(digits)}: value out of range");
        }
        if (m.Groups[2].Success)
        {
            bytes *= BinaryUnits[char.ToLowerInvariant(m.Groups[2].Value[0])];
        }
        // Go's int64(float64) on amd64 gives MinInt64 for what does not fit; .NET saturates.
        return bytes >= 9223372036854775808.0 ? long.MinValue : (long)bytes;
    }

    /// <summary>opts.MemSwapBytes: <c>-1</c> (unlimited swap) or a <see cref="RamInBytes"/> size.</summary>
    public static long MemSwapBytes(string value) => value == "-1" ? -1 : RamInBytes(value);

    /// <summary>
    /// opts.ParseCPUs: the decimal (<c>0.5</c>, <c>1.25e1</c>) or fraction (<c>3/2</c>) read as an
    /// exact rational number, times 10⁹; more than nine decimal places is "value is too precise".
    /// </summary>
    public static long NanoCpus(string value)
    {
        if (ParseRational(value) is not var (num, den))
        {
            throw new FormatException($"failed to parse {value} as a rational number");
        }
        var nano = num * 1_000_000_000;
        if (!BigInteger.Remainder(nano, den).IsZero)
        {
            throw new FormatException("value is too precise");
        }
        nano /= den;
        // big.Int.Int64: the low 64 bits of the magnitude, then the sign.
        var low = unchecked((long)(ulong)(BigInteger.Abs(nano) & ulong.MaxValue));
        return nano.Sign < 0 ? unchecked(-low) : low;
    }

    /// <summary>
    /// What Go's big.Rat.SetString reads in base 10: [sign]digits[.digits][e[sign]digits] ('_'
    /// between digits allowed), or [sign]digits/digits. Null where Go's answer is "not a number".
    /// </summary>
    private static (BigInteger Num, BigInteger Den)? ParseRational(string s)
    {
        var slash = s.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            var numText = s[..slash];
            var denText = s[(slash + 1)..];
            var unsigned = numText.Length > 0 && numText[0] is '+' or '-' ? numText[1..] : numText;
            if (unsigned.Length == 0 || !unsigned.All(char.IsAsciiDigit) || denText.Length == 0 || !denText.All(char.IsAsciiDigit))
            {
                return null;
            }
            var den = BigInteger.Parse(denText, CultureInfo.InvariantCulture);
            return den.IsZero ? null : (BigInteger.Parse(numText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture), den);
        }
        var m = DecimalPattern().Match(s);
        var whole = m.Groups[2].Value.Replace("_", "", StringComparison.Ordinal);
        var fraction = m.Groups[3].Value.Replace("_", "", StringComparison.Ordinal);
        long exponent = 0;
        if (!m.Success || whole.Length + fraction.Length == 0
            || (m.Groups[4].Success && !long.TryParse(m.Groups[4].Value.Replace("_", "", StringComparison.Ordinal), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out exponent)))
        {
            return null;
        }
        var mantissa = BigInteger.Parse(whole + fraction, CultureInfo.InvariantCulture);
        if (mantissa.IsZero)
        {
            return (0, 1);
        }
        if (m.Groups[1].Value == "-")
        {
            mantissa = -mantissa;
        }
        var exp10 = exponent - fraction.Length;
        if (exp10 is > 1_000_000 or < -1_000_000)
        {
            return null; // Go refuses such exponents rather than compute them
        }
        return exp10 >= 0 ? (mantissa * BigInteger.Pow(10, (int)exp10), 1) : (mantissa, BigInteger.Pow(10, (int)-exp10));
    }

    /// <summary>opts.ValidateIPAddress: an IPv4 or IPv6 address, returned in Go's canonical form.</summary>
    public static string IpAddress(string value) =>
        ParseIp(value.Trim()) is { } ip ? FormatIp(ip) : throw new FormatException($"IP address is not correctly formatted: {value}");

    /// <summary>opts.ValidateDNSSearch: a domain name (returned without its trailing dot), or "." for none.</summary>
    public static string DnsSearch(string value)
    {
        var domain = value.Trim(' ');
        if (domain == ".")
        {
            return domain;
        }
        var m = DomainPattern().Match(domain);
        return domain.Any(char.IsAsciiLetter) && m.Success && m.Groups[1].Length < 255
            ? m.Groups[1].Value
            : throw new FormatException($"{domain} is not a valid domain");
    }

    /// <summary>
    /// opts.ValidateExtraHost: <c>host:ip</c> or <c>host=ip</c>, the address optionally in brackets or
    /// <c>host-gateway</c>; returned as <c>host:ip</c>, the form the API takes.
    /// </summary>
    public static string ExtraHost(string value)
    {
        var sep = value.IndexOf('=', StringComparison.Ordinal);
        if (sep < 0)
        {
            sep = value.IndexOf(':', StringComparison.Ordinal);
        }
        var host = sep < 0 ? value : value[..sep];
        if (sep < 0 || host.Length == 0 || host.Contains(':', StringComparison.Ordinal))
        {
            throw new FormatException($"bad format for add-host: {DisplayText.Quote(value)}");
        }
        var address = value[(sep + 1)..];
        if (address != "host-gateway")
        {
            if (address.Length > 2 && address[0] == '[' && address[^1] == ']')
            {
                address = address[1..^1];
            }
            if (ParseIp(address.Trim()) is null)
            {
                throw new FormatException($"invalid IP address in add-host: {DisplayText.Quote(address)}");
            }
        }
        return host + ":" + address;
    }

    /// <summary>opts.ValidateSysctl: KEY=VALUE for the namespaced sysctls (IPC kernel.*, net.*, fs.mqueue.*).</summary>
    public static string Sysctl(string value)
    {
        var eq = value.IndexOf('=', StringComparison.Ordinal);
        var key = eq < 0 ? "" : value[..eq];
        return key.Length > 0 && (NamespacedSysctls.Contains(key) || key.StartsWith("net.", StringComparison.Ordinal) || key.StartsWith("fs.mqueue.", StringComparison.Ordinal))
            ? value
            : throw new FormatException($"sysctl '{value}' is not allowed");
    }

    /// <summary>go-units ParseUlimit: <c>name=soft[:hard]</c>, hard defaulting to soft, -1 meaning unlimited.</summary>
    public static Ulimit ParseUlimit(string value)
    {
        var eq = value.IndexOf('=', StringComparison.Ordinal);
        if (eq < 0)
        {
            throw new FormatException($"invalid ulimit argument: {value}");
        }
        var name = value[..eq];
        if (!UlimitNames.Contains(name))
        {
            throw new FormatException($"invalid ulimit type: {name}");
        }
        var limits = value[(eq + 1)..].Split(':');
        if (limits.Length > 2)
        {
            throw new FormatException($"too many limit value arguments - {value[(eq + 1)..]}, can only have up to two, `soft[:hard]`");
        }
        var hard = limits.Length == 2 ? GoSyntax.ParseInt(limits[1], baseZero: false) : (long?)null;
        var soft = GoSyntax.ParseInt(limits[0], baseZero: false);
        hard ??= soft;
        if (hard != -1 && soft == -1)
        {
            throw new FormatException($"ulimit soft limit must be less than or equal to hard limit: soft: -1 (unlimited), hard: {hard}");
        }
        if (hard != -1 && soft > hard)
        {
            throw new FormatException($"ulimit soft limit must be less than or equal to hard limit: {soft} > {hard}");
        }
        return new Ulimit { Name = name, Soft = soft, Hard = hard.Value };
    }

    /// <summary>
    /// docker's parseSecurityOpts and parseSystemPaths (opts.parse, so errors are usage errors,
    /// not flag errors): KEY=VALUE or KEY:VALUE, bare only for no-new-privileges; a seccomp profile
    /// file is sent as its compacted JSON; systempaths=unconfined is not sent but empties the
    /// masked and read-only path lists.
    /// </summary>
    /// <exception cref="UsageException">A malformed option, or an unreadable or invalid seccomp profile.</exception>
    public static IReadOnlyList<string>? SecurityOptions(IReadOnlyList<string> options, out IReadOnlyList<string>? maskedPaths, out IReadOnlyList<string>? readonlyPaths)
    {
        maskedPaths = readonlyPaths = null;
        if (options.Count == 0)
        {
            return null;
        }
        var result = new List<string>();
        foreach (var opt in options)
        {
            var sep = opt.IndexOf('=', StringComparison.Ordinal);
            if (sep < 0 && opt != "no-new-privileges")
            {
                sep = opt.IndexOf(':', StringComparison.Ordinal);
            }
            var key = sep < 0 ? opt : opt[..sep];
            var value = sep < 0 ? "" : opt[(sep + 1)..];
            if (value.Length == 0 && key != "no-new-privileges")
            {
                throw new UsageException($"invalid --security-opt: {DisplayText.Quote(opt)}");
            }
            if (opt == "systempaths=unconfined")
            {
                maskedPaths = readonlyPaths = [];
                continue;
            }
            result.Add(key == "seccomp" && value is not ("builtin" or "unconfined") ? "seccomp=" + ReadSeccompProfile(value) : opt);
        }
        return result;
    }

    private static string ReadSeccompProfile(string path)
    {
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var why = e switch
            {
                _ when Directory.Exists(path) => $"read {path}: is a directory",
                UnauthorizedAccessException => $"open {path}: permission denied",
                FileNotFoundException or DirectoryNotFoundException => $"open {path}: no such file or directory",
                _ => $"open {path}: {e.Message}",
            };
            throw new UsageException($"opening seccomp profile ({path}) failed: {why}");
        }
        try
        {
            using var _ = System.Text.Json.JsonDocument.Parse(json);
        }
        catch (System.Text.Json.JsonException e)
        {
            // Go says "unexpected end of JSON input" for a valid beginning cut short; its wording
            // for a bad character depends on its scanner's state, which is not reproduced here.
            var why = IsCutShortJson(json) ? "unexpected end of JSON input" : $"invalid JSON at line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}";
            throw new UsageException($"compacting json for seccomp profile ({path}) failed: {why}");
        }
        // Go's json.Compact: the text as it is, less the white space between tokens.
        var compact = new System.Text.StringBuilder(json.Length);
        bool inString = false, escaped = false;
        foreach (var c in json)
        {
            if (inString)
            {
                (escaped, inString) = (!escaped && c == '\\', escaped || c != '"');
            }
            else if (c is ' ' or '\t' or '\n' or '\r')
            {
                continue;
            }
            else
            {
                inString = c == '"';
            }
            compact.Append(c);
        }
        return compact.ToString();
    }

    private static bool IsCutShortJson(string json)
    {
        var reader = new System.Text.Json.Utf8JsonReader(System.Text.Encoding.UTF8.GetBytes(json), isFinalBlock: false, state: default);
        try
        {
            while (reader.Read())
            {
            }
            return true; // no error before the text ran out
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }

    /// <summary>An address as Go's net.ParseIP reads it (netip rules: no leading zeros in IPv4 parts, no zone, no brackets), as 4 or 16 bytes.</summary>
    private static byte[]? ParseIp(string s)
    {
        if (!s.Contains(':', StringComparison.Ordinal))
        {
            return ParseIPv4(s);
        }
        if (s.Any(c => !char.IsAsciiHexDigit(c) && c is not (':' or '.')))
        {
            return null;
        }
        var lastColon = s.LastIndexOf(':');
        if (s.Contains('.', StringComparison.Ordinal) && ParseIPv4(s[(lastColon + 1)..]) is null)
        {
            return null;
        }
        return System.Net.IPAddress.TryParse(s, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? ip.GetAddressBytes()
            : null;
    }

    private static byte[]? ParseIPv4(string s)
    {
        var parts = s.Split('.');
        if (parts.Length != 4)
        {
            return null;
        }
        var bytes = new byte[4];
        for (var i = 0; i < 4; i++)
        {
            var p = parts[i];
            if (p.Length is 0 or > 3 || (p.Length > 1 && p[0] == '0') || !p.All(char.IsAsciiDigit) || int.Parse(p, CultureInfo.InvariantCulture) > 255)
            {
                return null;
            }
            bytes[i] = (byte)int.Parse(p, CultureInfo.InvariantCulture);
        }
        return bytes;
    }

    /// <summary>Go's net.IP.String(): dotted for IPv4 and IPv4-mapped IPv6, else RFC 5952 (longest run of two or more zero groups as ::).</summary>
    private static string FormatIp(byte[] ip)
    {
        if (ip.Length == 16 && ip.AsSpan(0, 10).IndexOfAnyExcept((byte)0) < 0 && ip[10] == 0xff && ip[11] == 0xff)
        {
            ip = ip[12..];
        }
        if (ip.Length == 4)
        {
            return string.Join('.', ip);
        }
        var groups = Enumerable.Range(0, 8).Select(i => (ip[2 * i] << 8) | ip[(2 * i) + 1]).ToArray();
        int zeroStart = -1, zeroLength = 1;
        for (var i = 0; i < 8; i++)
        {
            var j = i;
            while (j < 8 && groups[j] == 0)
            {
                j++;
            }
            if (j - i > zeroLength)
            {
                (zeroStart, zeroLength) = (i, j - i);
            }
        }
        string Hex(IEnumerable<int> g) => string.Join(':', g.Select(x => x.ToString("x", CultureInfo.InvariantCulture)));
        return zeroStart < 0
            ? Hex(groups)
            : Hex(groups[..zeroStart]) + "::" + Hex(groups[(zeroStart + zeroLength)..]);
    }
}

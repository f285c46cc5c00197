using System.Text.RegularExpressions;
using Berth.Core.Digests;
using Berth.Core.Errors;

namespace Berth.Core.References;

/// <summary>
/// A normalised image reference, as docker's distribution/reference package parses it:
/// <c>busybox</c> is <c>docker.io/library/busybox</c>, <c>localhost:5000/a/b:v1</c> keeps its
/// registry, and a reference may carry a tag, a digest, or both.
/// </summary>
public sealed partial record ImageReference(string Domain, string Path, string? Tag, Digest? Digest)
{
    public const string DefaultDomain = "docker.io";
    public const string DefaultTag = "latest";
    private const string LegacyDefaultDomain = "index.docker.io";
    private const string OfficialRepoPrefix = "library/";

    /// <summary><c>docker.io/library/busybox</c></summary>
    public string Name => $"{Domain}/{Path}";

    /// <summary>The short name docker shows: <c>busybox</c>, <c>user/app</c>, <c>localhost:5000/app</c>.</summary>
    public string FamiliarName
    {
        get
        {
            if (Domain != DefaultDomain) return Name;
            return Path.StartsWith(OfficialRepoPrefix, StringComparison.Ordinal) && Path.IndexOf('/', OfficialRepoPrefix.Length) < 0
                ? Path[OfficialRepoPrefix.Length..]
                : Path;
        }
    }

    /// <summary>Full string: <c>docker.io/library/busybox:latest</c>.</summary>
    public override string ToString() =>
        Name + (Tag is null ? "" : ":" + Tag) + (Digest is { } d ? "@" + d : "");

    /// <summary>Familiar string: <c>busybox:latest</c>, the form docker prints.</summary>
    public string ToFamiliarString() =>
        FamiliarName + (Tag is null ? "" : ":" + Tag) + (Digest is { } d ? "@" + d : "");

    /// <summary>The same reference with the default tag when it names neither tag nor digest.</summary>
    public ImageReference WithDefaultTag() => Tag is null && Digest is null ? this with { Tag = DefaultTag } : this;

    public ImageReference WithTag(string tag)
    {
        if (!TagPattern().IsMatch(tag))
            throw new InvalidParameterException($"invalid tag format");
        return this with { Tag = tag, Digest = null };
    }

    public static bool TryParse(string value, out ImageReference? reference)
    {
        try
        {
            reference = Parse(value);
            return true;
        }
        catch (InvalidParameterException)
        {
            reference = null;
            return false;
        }
    }

    /// <summary>Parses and normalises like docker's <c>ParseNormalizedNamed</c>, with its error texts.</summary>
    public static ImageReference Parse(string value)
    {
        if (string.IsNullOrEmpty(value))
            throw new InvalidParameterException("invalid reference format");
        if (AnchoredHex64().IsMatch(value))
            throw new InvalidParameterException($"invalid repository name ({value}), cannot specify 64-byte hexadecimal strings");

        var match = ReferencePattern().Match(value);
        if (!match.Success)
        {
            // Docker says why when the only problem is upper case.
            if (ReferencePattern().IsMatch(value.ToLowerInvariant()))
            {
                var (_, upperPath) = SplitDomain(value.Split('@')[0] is var n && LastColonIsTag(n) ? n[..n.LastIndexOf(':')] : n);
                throw new InvalidParameterException($"invalid reference format: repository name ({upperPath}) must be lowercase");
            }
            throw new InvalidParameterException("invalid reference format");
        }

        var name = match.Groups["name"].Value;
        var tag = match.Groups["tag"].Success ? match.Groups["tag"].Value : null;
        Digest? digest = null;
        if (match.Groups["digest"].Success)
        {
            if (!Digests.Digest.TryParse(match.Groups["digest"].Value, out var d))
                throw new InvalidParameterException("invalid reference format");
            digest = d;
        }

        var (domain, path) = SplitDomain(name);
        if (path.Any(char.IsUpper))
            throw new InvalidParameterException($"invalid reference format: repository name ({path}) must be lowercase");
        if (domain.Length + 1 + path.Length > 255)
            throw new InvalidParameterException("invalid reference format: repository name must not be more than 255 characters");
        return new ImageReference(domain, path, tag, digest);
    }

    private static bool LastColonIsTag(string name)
    {
        var colon = name.LastIndexOf(':');
        return colon > name.LastIndexOf('/');
    }

    private static (string Domain, string Path) SplitDomain(string name)
    {
        var slash = name.IndexOf('/');
        string domain, path;
        if (slash < 0 || (!name[..slash].AsSpan().ContainsAny('.', ':') && name[..slash] != "localhost" && name[..slash].ToLowerInvariant() == name[..slash]))
        {
            domain = DefaultDomain;
            path = name;
        }
        else
        {
            domain = name[..slash];
            path = name[(slash + 1)..];
        }
        if (domain == LegacyDefaultDomain) domain = DefaultDomain;
        if (domain == DefaultDomain && !path.Contains('/')) path = OfficialRepoPrefix + path;
        return (domain, path);
    }

    // distribution/reference grammar: domain components, path components, tag, digest.
    private const string PathComponent = "[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*";
    private const string DomainComponent = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
    private const string DomainPattern = DomainComponent + "(?:\\." + DomainComponent + ")*(?::[0-9]+)?";
    private const string NamePattern = "(?:" + DomainPattern + "/)?" + PathComponent + "(?:/" + PathComponent + ")*";

    [GeneratedRegex("^(?<name>" + NamePattern + ")(?::(?<tag>[\\w][\\w.-]{0,127}))?(?:@(?<digest>[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}))?$")]
    private static partial Regex ReferencePattern();

    [GeneratedRegex("^[\\w][\\w.-]{0,127}$")]
    private static partial Regex TagPattern();

    [GeneratedRegex("^[a-f0-9]{64}$")]
    private static partial Regex AnchoredHex64();
}

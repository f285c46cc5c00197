using System.Text.RegularExpressions;

namespace Berth.Registry.Storage;

/// <summary>Repository names and tags as the distribution spec constrains them.</summary>
public static partial class RepositoryName
{
    public const int MaxLength = 255;

    [GeneratedRegex(@"^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$")]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$")]
    private static partial Regex TagPattern();

    // Name components cannot start with '_', so "_blobs" etc. never collide with a nested repository.
    public static bool IsValid(string name) => name.Length <= MaxLength && NamePattern().IsMatch(name);

    public static bool IsValidTag(string tag) => TagPattern().IsMatch(tag);
}

namespace Berth.Registry.Auth;

/// <summary>
/// One line of auth.token.access: <see cref="Account"/> (an htpasswd user, <c>*</c> for any
/// authenticated user, <c>anonymous</c> for callers without credentials) may do
/// <see cref="Actions"/> on repositories matching <see cref="Repository"/> (a glob: <c>*</c> matches
/// any run of characters, including <c>/</c>), and list the catalog when <see cref="Catalog"/>.
/// </summary>
public sealed record AccessRule(string Account, string Repository, IReadOnlyList<string> Actions, bool Catalog)
{
    public const string AnyUser = "*";
    public const string Anonymous = "anonymous";
    public static readonly string[] KnownActions = [ResourceAccess.Pull, ResourceAccess.Push, ResourceAccess.Delete, "*"];
}

/// <summary>Decides which of the requested actions a caller gets in a token.</summary>
public sealed class AccessPolicy(IReadOnlyList<AccessRule> rules, bool anonymousPull)
{
    private static readonly string[] Everything = [ResourceAccess.Pull, ResourceAccess.Push, ResourceAccess.Delete];

    /// <summary>The subset of <paramref name="actions"/> that <paramref name="user"/> (null: anonymous) may do.</summary>
    public List<string> Grant(string? user, string type, string name, IEnumerable<string> actions)
    {
        var allowed = new HashSet<string>(StringComparer.Ordinal);
        if (type == "registry" && name == "catalog")
        {
            var catalog = (user is not null && rules.Count == 0) || Matching(user).Any(r => r.Catalog);
            if (catalog) allowed.Add("*");
        }
        else if (type == "repository")
        {
            if (anonymousPull) allowed.Add(ResourceAccess.Pull);
            if (user is not null && rules.Count == 0) allowed.UnionWith(Everything);
            foreach (var rule in Matching(user).Where(r => Glob(r.Repository, name)))
                allowed.UnionWith(rule.Actions.Contains("*") ? Everything : rule.Actions);
        }
        return actions.Where(allowed.Contains).Distinct().ToList();
    }

    private IEnumerable<AccessRule> Matching(string? user) => rules.Where(r => user is null
        ? r.Account == AccessRule.Anonymous
        : r.Account == AccessRule.AnyUser || r.Account == user);

    /// <summary>Glob with <c>*</c> (any run, slashes included) and <c>?</c> (one character).</summary>
    public static bool Glob(string pattern, string text)
    {
        int p = 0, t = 0, star = -1, mark = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == text[t])) { p++; t++; }
            else if (p < pattern.Length && pattern[p] == '*') { star = p++; mark = t; }
            else if (star >= 0) { p = star + 1; t = ++mark; }
            else return false;
        }
        while (p < pattern.Length && pattern[p] == '*') p++;
        return p == pattern.Length;
    }
}

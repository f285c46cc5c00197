namespace Berth.Registry.Auth;

/// <summary>
/// One permission a request needs or a token grants, in the token spec's terms:
/// <c>repository:NAME:pull</c>, <c>repository:NAME:push</c>, <c>repository:NAME:delete</c>,
/// <c>registry:catalog:*</c>.
/// </summary>
public sealed record ResourceAccess(string Type, string Name, string Action)
{
    public const string Pull = "pull";
    public const string Push = "push";
    public const string Delete = "delete";

    public static ResourceAccess Repository(string name, string action) => new("repository", name, action);

    public static readonly ResourceAccess Catalog = new("registry", "catalog", "*");

    /// <summary>
    /// The scope string of a challenge: accesses grouped by resource, actions joined by commas,
    /// resources separated by spaces ("repository:a:pull,push repository:b:pull").
    /// </summary>
    public static string Scope(IEnumerable<ResourceAccess> accesses) =>
        string.Join(' ', accesses.GroupBy(a => (a.Type, a.Name))
            .Select(g => $"{g.Key.Type}:{g.Key.Name}:{string.Join(',', g.Select(a => a.Action).Distinct())}"));
}

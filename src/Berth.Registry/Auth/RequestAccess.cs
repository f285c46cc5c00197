using Berth.Registry.Storage;

namespace Berth.Registry.Auth;

/// <summary>
/// What a /v2/ request needs, as distribution decides it: GET/HEAD pull the repository,
/// POST/PUT/PATCH pull and push it, DELETE deletes; a cross-repository mount also pulls the
/// source (<c>from</c>); the catalog needs <c>registry:catalog:*</c>; the base <c>/v2/</c> needs
/// only an authenticated caller. Mirrors <see cref="Api.RegistryRouter"/>'s reading of paths,
/// which finds the repository name from the end of the path.
/// </summary>
public static class RequestAccess
{
    /// <summary>Null for paths outside /v2/; else the accesses (empty for /v2/ and unknown routes).</summary>
    public static IReadOnlyList<ResourceAccess>? Required(HttpRequest request)
    {
        var path = request.Path.Value ?? "";
        if (path is "/v2" or "/v2/") return [];
        if (!path.StartsWith("/v2/", StringComparison.Ordinal)) return null;
        var segments = path[4..].Split('/');
        if (segments is ["_catalog"]) return [ResourceAccess.Catalog];
        var name = RepositoryOf(segments);
        if (name is null) return [];
        var required = ForMethod(request.Method, name);
        if (request.Method == "POST" && request.Query["from"].FirstOrDefault() is { } from && RepositoryName.IsValid(from))
            required.AddRange(ForMethod("GET", from));
        return required;
    }

    /// <summary>Whether the request would change the registry (any method but GET, HEAD and OPTIONS).</summary>
    public static bool IsWrite(HttpRequest request) => request.Method is not ("GET" or "HEAD" or "OPTIONS");

    /// <summary>The repository named by a route, or null when the path is not a repository route.</summary>
    public static string? RepositoryOf(string[] segments)
    {
        var n = segments.Length;
        int count;
        if (n >= 3 && segments[n - 2] is "manifests" or "blobs" or "referrers" or "tags") count = n - 2;
        else if (n >= 4 && segments[n - 3] == "blobs" && segments[n - 2] == "uploads") count = n - 3;
        else return null;
        var name = string.Join('/', segments, 0, count);
        return RepositoryName.IsValid(name) ? name : null;
    }

    private static List<ResourceAccess> ForMethod(string method, string name) => method switch
    {
        "GET" or "HEAD" => [ResourceAccess.Repository(name, ResourceAccess.Pull)],
        "POST" or "PUT" or "PATCH" =>
            [ResourceAccess.Repository(name, ResourceAccess.Pull), ResourceAccess.Repository(name, ResourceAccess.Push)],
        "DELETE" => [ResourceAccess.Repository(name, ResourceAccess.Delete)],
        _ => [],
    };
}

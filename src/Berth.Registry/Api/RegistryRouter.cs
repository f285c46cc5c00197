using System.Net;
using System.Text.Json;
using Berth.Registry.Storage;

namespace Berth.Registry.Api;

/// <summary>
/// Dispatches /v2/ requests by hand: repository names contain slashes, so the route is found
/// from the end of the path (…/blobs/uploads/&lt;id&gt;, …/blobs/&lt;digest&gt;, …/manifests/&lt;ref&gt;, …/tags/list).
/// </summary>
public sealed class RegistryRouter(RegistryStore store)
{
    private readonly BlobHandlers _blobs = new(store);
    private readonly ManifestHandlers _manifests = new(store);

    public async Task HandleAsync(HttpContext context)
    {
        context.Response.Headers["Docker-Distribution-API-Version"] = "registry/2.0";
        try
        {
            await DispatchAsync(context);
        }
        catch (RegistryError e)
        {
            await WriteErrorAsync(context.Response, e);
        }
        catch (RangeNotSatisfiableException e)
        {
            context.Response.StatusCode = (int)HttpStatusCode.RequestedRangeNotSatisfiable;
            context.Response.Headers.Range = RangeHeader(e.Size);
        }
    }

    private Task DispatchAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "";
        if (path is "/v2" or "/v2/")
        {
            RequireMethod(request, "GET", "HEAD");
            context.Response.ContentType = "application/json";
            return request.Method == "HEAD" ? Task.CompletedTask : context.Response.WriteAsync("{}");
        }
        if (!path.StartsWith("/v2/", StringComparison.Ordinal)) throw RegistryError.NotFound();
        var segments = path[4..].Split('/');
        if (segments is ["_catalog"])
        {
            RequireMethod(request, "GET");
            return _manifests.CatalogAsync(context);
        }
        var n = segments.Length;
        if (n >= 3 && segments[n - 2] == "tags" && segments[n - 1] == "list")
        {
            RequireMethod(request, "GET");
            return _manifests.TagsAsync(context, Name(segments, n - 2));
        }
        if (n >= 3 && segments[n - 2] == "manifests")
        {
            var name = Name(segments, n - 2);
            return request.Method switch
            {
                "GET" or "HEAD" => _manifests.GetAsync(context, name, segments[n - 1]),
                "PUT" => _manifests.PutAsync(context, name, segments[n - 1]),
                _ => throw RegistryError.Unsupported($"{request.Method} is not supported on manifests"),
            };
        }
        if (n >= 4 && segments[n - 3] == "blobs" && segments[n - 2] == "uploads")
        {
            var name = Name(segments, n - 3);
            var id = segments[n - 1];
            if (id.Length == 0)
            {
                RequireMethod(request, "POST");
                return _blobs.StartUploadAsync(context, name);
            }
            return request.Method switch
            {
                "GET" => _blobs.UploadStatus(context, name, id),
                "PATCH" => _blobs.PatchAsync(context, name, id),
                "PUT" => _blobs.CompleteAsync(context, name, id),
                "DELETE" => _blobs.Cancel(context, name, id),
                _ => throw RegistryError.Unsupported($"{request.Method} is not supported on uploads"),
            };
        }
        if (n >= 3 && segments[n - 2] == "blobs" && segments[n - 1] == "uploads")
        {
            RequireMethod(request, "POST");
            return _blobs.StartUploadAsync(context, Name(segments, n - 2));
        }
        if (n >= 3 && segments[n - 2] == "blobs")
        {
            RequireMethod(request, "GET", "HEAD");
            return _blobs.GetAsync(context, Name(segments, n - 2), segments[n - 1]);
        }
        throw RegistryError.NotFound();
    }

    private static string Name(string[] segments, int count)
    {
        var name = string.Join('/', segments, 0, count);
        return RepositoryName.IsValid(name) ? name : throw RegistryError.NameInvalid(name);
    }

    private static void RequireMethod(HttpRequest request, params string[] methods)
    {
        if (!methods.Contains(request.Method))
            throw RegistryError.Unsupported($"{request.Method} is not supported on {request.Path}");
    }

    internal static string RangeHeader(long size) => $"0-{Math.Max(size - 1, 0)}";

    internal static async Task WriteJsonAsync<T>(HttpResponse response, T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(response.Body, value, type, response.HttpContext.RequestAborted);
    }

    private static Task WriteErrorAsync(HttpResponse response, RegistryError error)
    {
        response.StatusCode = (int)error.Status;
        if (response.HttpContext.Request.Method == "HEAD") return Task.CompletedTask;
        var body = new ErrorResponse([new ErrorEntry(error.Code, error.Message, error.Detail)]);
        return WriteJsonAsync(response, body, RegistryJsonContext.Default.ErrorResponse);
    }
}

using System.Net;
using System.Text.Json;
using Berth.Core.Distribution;
using Berth.Core.Oci;
using Berth.Registry.Storage;

namespace Berth.Registry.Api;

/// <summary>
/// Dispatches /v2/ requests by hand: repository names contain slashes, so the route is found
/// from the end of the path (…/blobs/uploads/&lt;id&gt;, …/blobs/&lt;digest&gt;, …/manifests/&lt;ref&gt;,
/// …/referrers/&lt;digest&gt;, …/tags/list).
/// </summary>
public sealed class RegistryRouter(RegistryStore store, RegistryApiOptions options)
{
    private readonly BlobHandlers _blobs = new(store, options);
    private readonly ManifestHandlers _manifests = new(store, options);
    private readonly CatalogHandlers _catalog = new(store);

    public RegistryRouter(RegistryStore store) : this(store, new RegistryApiOptions())
    {
    }

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
            context.Response.Headers.Range = RangeHeader(e.Size);
            await WriteErrorAsync(context.Response, RegistryError.UploadInvalid(e.Message), HttpStatusCode.RequestedRangeNotSatisfiable);
        }
        catch (BadHttpRequestException e) when (!context.Response.HasStarted)
        {
            // Kestrel's own complaints about the request (bad framing, body too large, …) are the client's fault.
            // Kestrel's 413 is the upload limit (--max-upload-size) cutting a streamed body off.
            var code = e.StatusCode == StatusCodes.Status413PayloadTooLarge ? DistributionErrorCodes.SizeInvalid : DistributionErrorCodes.Unsupported;
            await WriteErrorAsync(context.Response, new RegistryError(code, e.Message, status: (HttpStatusCode)e.StatusCode));
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is nobody to answer.
        }
        catch (Exception e) when (!context.Response.HasStarted && e is not OperationCanceledException)
        {
            // A bug or a storage failure: distribution's UNKNOWN code, with the reason, rather than an empty 500.
            await WriteErrorAsync(context.Response, new RegistryError(DistributionErrorCodes.Unknown, $"unknown error: {e.GetType().Name}: {e.Message}"));
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
            return _catalog.CatalogAsync(context);
        }
        var n = segments.Length;
        if (n >= 3 && segments[n - 2] == "tags" && segments[n - 1] == "list")
        {
            RequireMethod(request, "GET");
            return _catalog.TagsAsync(context, Name(segments, n - 2));
        }
        if (n >= 3 && segments[n - 2] == "referrers")
        {
            RequireMethod(request, "GET");
            return _catalog.ReferrersAsync(context, Name(segments, n - 2), segments[n - 1]);
        }
        if (n >= 3 && segments[n - 2] == "manifests")
        {
            var name = Name(segments, n - 2);
            return request.Method switch
            {
                "GET" or "HEAD" => _manifests.GetAsync(context, name, segments[n - 1]),
                "PUT" => _manifests.PutAsync(context, name, segments[n - 1]),
                "DELETE" => _manifests.DeleteAsync(context, name, segments[n - 1]),
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
                "GET" => _blobs.UploadStatusAsync(context, name, id),
                "PATCH" => _blobs.PatchAsync(context, name, id),
                "PUT" => _blobs.CompleteAsync(context, name, id),
                "DELETE" => _blobs.CancelAsync(context, name, id),
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
            var name = Name(segments, n - 2);
            return request.Method switch
            {
                "GET" or "HEAD" => _blobs.GetAsync(context, name, segments[n - 1]),
                "DELETE" => _blobs.DeleteAsync(context, name, segments[n - 1]),
                _ => throw RegistryError.Unsupported($"{request.Method} is not supported on blobs"),
            };
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

    internal static async Task WriteJsonAsync<T>(HttpResponse response, T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type,
        string contentType = "application/json")
    {
        response.ContentType = contentType;
        await JsonSerializer.SerializeAsync(response.Body, value, type, response.HttpContext.RequestAborted);
    }

    private static Task WriteErrorAsync(HttpResponse response, RegistryError error, HttpStatusCode? status = null)
    {
        if (response.HasStarted) return Task.CompletedTask;
        response.StatusCode = (int)(status ?? error.Status);
        // The body the handler may have begun (headers only) is replaced by the error.
        response.Headers.Remove("Docker-Content-Digest");
        response.Headers.ContentLength = null;
        if (response.HttpContext.Request.Method == "HEAD") return Task.CompletedTask;
        return WriteJsonAsync(response, error.ToBody(), OciJsonContext.Default.DistributionErrors);
    }
}

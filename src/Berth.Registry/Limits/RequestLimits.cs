using Berth.Core.Distribution;
using Berth.Registry.Api;
using Berth.Registry.Auth;
using Berth.Registry.Storage;
using Microsoft.AspNetCore.Http.Features;

namespace Berth.Registry.Limits;

/// <summary>
/// Read-only maintenance mode and the upload size limit, applied before the router sees a request.
/// </summary>
/// <remarks>
/// Read-only follows distribution (storage.maintenance.readonly), which simply does not register
/// write methods, so they are answered 405 with <c>Allow: GET, HEAD</c>; we add an UNSUPPORTED
/// error body saying why. The upload limit counts the bytes an upload already holds, so a
/// chunked upload cannot grow past it one PATCH at a time; a declared Content-Length over the
/// limit is refused before reading, a streamed body when it crosses the limit (Kestrel's
/// per-request body limit), both with 413 SIZE_INVALID.
/// </remarks>
public sealed class RequestLimits(bool readOnly, long? maxUploadSize, RegistryStore store)
{
    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "";
        if (!path.StartsWith("/v2/", StringComparison.Ordinal))
        {
            await next(context);
            return;
        }
        var segments = path[4..].Split('/');
        if (readOnly && RequestAccess.IsWrite(request) && RequestAccess.RepositoryOf(segments) is not null)
        {
            context.Response.Headers.Allow = "GET, HEAD";
            await AuthErrors.WriteAsync(context.Response, RegistryError.Unsupported("the registry is in read-only mode"));
            return;
        }
        if (maxUploadSize is { } max && UploadOf(request.Method, segments) is { } upload)
        {
            var (name, id) = upload;
            var remaining = max - (id.Length == 0 ? 0 : await CurrentSizeAsync(name, id, context.RequestAborted));
            if (request.ContentLength > remaining)
            {
                await AuthErrors.WriteAsync(context.Response, TooLarge(max));
                return;
            }
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
                limit.MaxRequestBodySize = Math.Max(remaining, 0);
        }
        try
        {
            await next(context);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge && maxUploadSize is { } limitBytes)
        {
            if (context.Response.HasStarted) throw;
            await AuthErrors.WriteAsync(context.Response, TooLarge(limitBytes));
        }
    }

    private static RegistryError TooLarge(long max) =>
        new(DistributionErrorCodes.SizeInvalid, $"uploads are limited to {max} bytes", status: System.Net.HttpStatusCode.RequestEntityTooLarge);

    /// <summary>(repository, upload id or "") for requests that send blob bytes.</summary>
    private static (string Name, string Id)? UploadOf(string method, string[] segments)
    {
        var n = segments.Length;
        if (method == "POST" && n >= 3 && segments[n - 2] == "blobs" && segments[n - 1] == "uploads"
            && RequestAccess.RepositoryOf(segments) is { } posted)
            return (posted, "");
        if (method is "POST" or "PATCH" or "PUT" && n >= 4 && segments[n - 3] == "blobs" && segments[n - 2] == "uploads"
            && RequestAccess.RepositoryOf(segments) is { } name)
            return (name, segments[n - 1]);
        return null;
    }

    private async Task<long> CurrentSizeAsync(string name, string id, CancellationToken cancellationToken)
    {
        try
        {
            return await store.Uploads.SizeAsync(name, id, cancellationToken);
        }
        catch (RegistryError)
        {
            return 0; // unknown upload: the router reports it
        }
    }
}

using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Berth.Daemon.Hosting;

/// <summary>
/// Request bodies are JSON documents of a few KB (create, update, auth …) except for archives,
/// which stream through unbounded: image load and import, build contexts, PUT archive, and
/// hijacked attach/exec streams. A JSON body is read whole before it is parsed, so it is capped
/// (<see cref="JsonLimit"/>): Kestrel stops reading at the cap (at once when Content-Length says
/// more) and the client gets 413 with a JSON message, not a 500 after gigabytes of buffering.
/// </summary>
public static class RequestBodyLimit
{
    /// <summary>4 MiB: far above any real create body (dockerd has no cap, but buffers as we do).</summary>
    public const long JsonLimit = 4 * 1024 * 1024;

    public static string TooLargeMessage =>
        $"request body too large: JSON request bodies are limited to {JsonLimit / (1024 * 1024)} MiB";

    /// <summary>Runs after the version prefix is stripped.</summary>
    public static Task Middleware(HttpContext context, RequestDelegate next)
    {
        if (!IsStreamed(context.Request) && context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = JsonLimit;
        return next(context);
    }

    /// <summary>Endpoints whose body is an archive or a raw stream.</summary>
    public static bool IsStreamed(HttpRequest request)
    {
        if (request.Headers.Upgrade.Count > 0) return true; // attach, exec start: a raw stream after the upgrade
        var path = request.Path.Value ?? "";
        return path switch
        {
            "/images/load" or "/images/create" or "/build" => true,
            _ => path.StartsWith("/containers/", StringComparison.Ordinal) && (path.EndsWith("/archive", StringComparison.Ordinal) || path.EndsWith("/attach", StringComparison.Ordinal))
                || path.StartsWith("/exec/", StringComparison.Ordinal) && path.EndsWith("/start", StringComparison.Ordinal),
        };
    }
}

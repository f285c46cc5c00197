using System.Globalization;
using Berth.Core.Errors;
using Microsoft.AspNetCore.Http;

namespace Berth.Daemon.Hosting;

/// <summary>
/// Strips docker's version prefix (/v1.47/containers/json → /containers/json), refusing
/// versions outside what berthd serves with docker's messages, and sets the headers docker
/// puts on every response.
/// </summary>
public static class ApiVersion
{
    public const string Current = "1.47";
    public const string Minimum = "1.24";
    private const string ItemKey = "berth.api-version";

    public static string Of(HttpContext context) => context.Items[ItemKey] as string ?? Current;

    /// <summary>True when the request's API version is at least <paramref name="version"/>.</summary>
    public static bool AtLeast(HttpContext context, string version) => Compare(Of(context), version) >= 0;

    public static async Task Middleware(HttpContext context, RequestDelegate next)
    {
        var headers = context.Response.Headers;
        headers["Api-Version"] = Current;
        headers["Docker-Experimental"] = "false";
        headers["Ostype"] = "linux";
        headers["Server"] = $"Berth/{VersionInfo.Version} (linux)";

        var path = context.Request.Path.Value ?? "/";
        if (path.StartsWith("/v", StringComparison.Ordinal))
        {
            var slash = path.IndexOf('/', 1);
            var candidate = slash < 0 ? path[2..] : path[2..slash];
            if (IsVersion(candidate))
            {
                if (Compare(candidate, Current) > 0)
                    throw new InvalidParameterException($"client version {candidate} is too new. Maximum supported API version is {Current}");
                if (Compare(candidate, Minimum) < 0)
                    throw new InvalidParameterException($"client version {candidate} is too old. Minimum supported API version is {Minimum}, please upgrade your client to a newer version");
                context.Items[ItemKey] = candidate;
                context.Request.Path = slash < 0 ? "/" : path[slash..];
            }
        }
        await next(context);
    }

    private static bool IsVersion(string text)
    {
        var dot = text.IndexOf('.');
        return dot > 0 && int.TryParse(text.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out _)
            && int.TryParse(text.AsSpan(dot + 1), NumberStyles.None, CultureInfo.InvariantCulture, out _);
    }

    private static int Compare(string a, string b)
    {
        var pa = a.Split('.');
        var pb = b.Split('.');
        var major = int.Parse(pa[0], CultureInfo.InvariantCulture).CompareTo(int.Parse(pb[0], CultureInfo.InvariantCulture));
        return major != 0 ? major : int.Parse(pa[1], CultureInfo.InvariantCulture).CompareTo(int.Parse(pb[1], CultureInfo.InvariantCulture));
    }
}

using Berth.Core.Distribution;
using Berth.Core.Oci;
using Berth.Registry.Api;

namespace Berth.Registry.Auth;

/// <summary>Error bodies of the auth layer, in the registry's <c>{"errors":[…]}</c> shape.</summary>
public static class AuthErrors
{
    /// <summary>401 UNAUTHORIZED with the challenge in <c>WWW-Authenticate</c>.</summary>
    public static Task UnauthorizedAsync(HttpResponse response, string challenge, string message = "authentication required")
    {
        response.Headers.WWWAuthenticate = challenge;
        return WriteAsync(response, new RegistryError(DistributionErrorCodes.Unauthorized, message));
    }

    public static Task WriteAsync(HttpResponse response, RegistryError error)
    {
        response.StatusCode = (int)error.Status;
        response.Headers["Docker-Distribution-API-Version"] = "registry/2.0";
        if (response.HttpContext.Request.Method == "HEAD") return Task.CompletedTask;
        return RegistryRouter.WriteJsonAsync(response, error.ToBody(), OciJsonContext.Default.DistributionErrors);
    }
}

using System.Text;
using Berth.Engine.Distribution.Auth;
using Berth.EngineApi.Client;
using Berth.EngineApi.Models;
using Microsoft.AspNetCore.Http;

namespace Berth.Daemon.Routes;

/// <summary>Registry credentials as clients send them: docker's AuthConfig, in X-Registry-Auth or POST /auth's body.</summary>
internal static class RegistryAuthHeader
{
    /// <summary>The credentials in X-Registry-Auth; anonymous when absent or undecodable, as with dockerd.</summary>
    public static RegistryCredentials Read(HttpContext context) =>
        EngineClient.DecodeRegistryAuth(context.Request.Headers[EngineClient.RegistryAuthHeader].ToString()) is { } config
            ? ToCredentials(config)
            : RegistryCredentials.Anonymous;

    /// <summary>Username and password, taken from <c>auth</c> (base64 "user:password", as config.json stores it) when not given.</summary>
    public static RegistryCredentials ToCredentials(AuthConfig config)
    {
        var username = config.Username;
        var password = config.Password;
        if (string.IsNullOrEmpty(username) && !string.IsNullOrEmpty(config.Auth))
        {
            try
            {
                var pair = Encoding.UTF8.GetString(Convert.FromBase64String(config.Auth));
                var colon = pair.IndexOf(':');
                if (colon > 0) (username, password) = (pair[..colon], pair[(colon + 1)..]);
            }
            catch (FormatException) { }
        }
        return new RegistryCredentials(username, password, config.ServerAddress, config.IdentityToken, config.RegistryToken);
    }
}

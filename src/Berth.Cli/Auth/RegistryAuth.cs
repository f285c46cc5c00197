using Berth.Core.References;
using Berth.EngineApi.Client;
using Berth.EngineApi.Models;

namespace Berth.Cli.Auth;

/// <summary>The <c>X-Registry-Auth</c> value for an image's registry, from the stored logins.</summary>
public static class RegistryAuth
{
    /// <summary>
    /// command.ResolveAuthConfig + EncodeAuthConfig. No credentials encode as <c>{}</c>, as
    /// docker sends them; a config file that cannot be read or a helper that fails means no
    /// credentials (docker warns and goes on; so does berth).
    /// </summary>
    public static string HeaderFor(string configDirectory, ImageReference reference, TextWriter warnings)
    {
        var server = ServerAddress.ForReference(reference);
        AuthConfig auth;
        try
        {
            auth = CredentialStore.Get(ClientConfig.Load(configDirectory), server);
        }
        catch (ClientConfigException e)
        {
            warnings.WriteLine($"WARNING: Error {e.Message}");
            auth = new AuthConfig();
        }
        if (auth is { Username: null, Password: null, IdentityToken: null, RegistryToken: null })
        {
            auth = new AuthConfig();
        }
        return EngineClient.EncodeRegistryAuth(auth);
    }
}

namespace Berth.Engine.Distribution.Auth;

/// <summary>
/// What a client sends in X-Registry-Auth (docker's AuthConfig): a user name and password, an
/// identity token (an OAuth2 refresh token from a previous login), or a ready bearer token.
/// </summary>
public sealed record RegistryCredentials(string? Username, string? Password, string? ServerAddress, string? IdentityToken, string? RegistryToken)
{
    public static RegistryCredentials Anonymous { get; } = new(null, null, null, null, null);

    public bool HasBasic => !string.IsNullOrEmpty(Username) || !string.IsNullOrEmpty(Password);

    /// <summary>Key that keeps cached tokens of different users apart.</summary>
    public string CacheKey => !string.IsNullOrEmpty(RegistryToken) ? "rt:" + RegistryToken.GetHashCode()
        : !string.IsNullOrEmpty(IdentityToken) ? "it:" + IdentityToken.GetHashCode()
        : HasBasic ? "u:" + Username + ":" + Password?.GetHashCode() : "anonymous";
}

using System.Text.Json.Serialization;

namespace Berth.EngineApi.Models;

/// <summary>
/// Registry credentials: the body of POST /auth, and (base64url-encoded JSON) the
/// <c>X-Registry-Auth</c> header of pull and push. Empty fields are omitted, as docker's
/// <c>registry.AuthConfig</c> does, so "no credentials" encodes as <c>{}</c>.
/// </summary>
public sealed record AuthConfig
{
    [JsonPropertyName("username"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Username { get; init; }
    [JsonPropertyName("password"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Password { get; init; }
    /// <summary>base64("user:password"); the CLI sends username and password instead.</summary>
    [JsonPropertyName("auth"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Auth { get; init; }
    [JsonPropertyName("email"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Email { get; init; }
    [JsonPropertyName("serveraddress"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ServerAddress { get; init; }
    /// <summary>A refresh token the registry handed out at login; used instead of the password.</summary>
    [JsonPropertyName("identitytoken"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? IdentityToken { get; init; }
    /// <summary>A bearer token to send to the registry as is.</summary>
    [JsonPropertyName("registrytoken"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? RegistryToken { get; init; }
}

/// <summary>The answer to POST /auth: <c>{"Status": "Login Succeeded", "IdentityToken": ""}</c>.</summary>
public sealed record AuthResponse
{
    public string Status { get; init; } = "";
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? IdentityToken { get; init; }
}

using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Berth.Core.Distribution;

/// <summary>
/// A token server's reply (docker's token spec; <c>access_token</c> is the OAuth2 spelling of
/// <c>token</c>): berth-registry's token endpoint writes it, the engine's registry client reads it.
/// </summary>
public sealed class TokenResponse
{
    [JsonPropertyName("token")] public string? Token { get; set; }
    [JsonPropertyName("access_token")] public string? AccessToken { get; set; }
    [JsonPropertyName("expires_in")] public int ExpiresIn { get; set; }

    /// <summary>Read as any RFC 3339 time; written in whole seconds, UTC: <c>2006-01-02T15:04:05Z</c>.</summary>
    [JsonPropertyName("issued_at"), JsonConverter(typeof(IssuedAtConverter))]
    public DateTimeOffset? IssuedAt { get; set; }

    [JsonPropertyName("refresh_token")] public string? RefreshToken { get; set; }
}

internal sealed class IssuedAtConverter : JsonConverter<DateTimeOffset?>
{
    public override DateTimeOffset? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Null ? null : reader.GetDateTimeOffset();

    public override void Write(Utf8JsonWriter writer, DateTimeOffset? value, JsonSerializerOptions options)
    {
        if (value is { } time) writer.WriteStringValue(time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
        else writer.WriteNullValue();
    }
}

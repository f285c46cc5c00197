using System.Text.Json;
using System.Text.Json.Serialization;

namespace Berth.Core.Distribution;

/// <summary>A registry's error body: <c>{"errors":[{"code":"MANIFEST_UNKNOWN","message":"…","detail":…}]}</c>.</summary>
public sealed class DistributionErrors
{
    [JsonPropertyName("errors")] public List<DistributionError> Errors { get; set; } = [];
}

/// <summary>One entry of a registry's error body.</summary>
public sealed class DistributionError
{
    public DistributionError() { }

    public DistributionError(string code, string? message, Dictionary<string, string>? detail = null)
    {
        Code = code;
        Message = message;
        Detail = detail;
    }

    [JsonPropertyName("code")] public string Code { get; set; } = "";
    [JsonPropertyName("message")] public string? Message { get; set; }

    /// <summary>
    /// berth-registry writes a map of strings. Other registries send any JSON here (Docker Hub: an
    /// array); what is not a map of strings reads as null, so it never spoils the rest of the body.
    /// </summary>
    [JsonPropertyName("detail"), JsonConverter(typeof(LenientStringMapConverter))]
    public Dictionary<string, string>? Detail { get; set; }

    /// <summary>The code with its default message (<see cref="DistributionErrorCodes.MessageOf"/>).</summary>
    public static DistributionError Of(string code) => new(code, DistributionErrorCodes.MessageOf(code));

    /// <summary>distribution's errcode.Error text: the code in lower case with spaces, then the message.</summary>
    public override string ToString() => $"{Code.ToLowerInvariant().Replace('_', ' ')}: {Message}";
}

/// <summary>Reads an object's string members (others are skipped) and anything else as null; writes a plain map.</summary>
internal sealed class LenientStringMapConverter : JsonConverter<Dictionary<string, string>>
{
    public override Dictionary<string, string>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            reader.Read();
            if (reader.TokenType == JsonTokenType.String) result[name] = reader.GetString()!;
            else reader.Skip();
        }
        return result;
    }

    public override void Write(Utf8JsonWriter writer, Dictionary<string, string> value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        foreach (var (name, text) in value) writer.WriteString(name, text);
        writer.WriteEndObject();
    }
}

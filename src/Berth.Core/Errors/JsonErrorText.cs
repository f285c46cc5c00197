using System.Text.Json;

namespace Berth.Core.Errors;

/// <summary>
/// What is wrong with a JSON document, for a user, from where System.Text.Json stopped rather
/// than from its message: a NativeAOT build keeps only resource keys and .NET type names there
/// ("DeserializeUnableToConvertValue, System.String Path: $.Env[0] | LineNumber: 0 | …").
/// </summary>
public static class JsonErrorText
{
    /// <summary>
    /// "syntax error at line 1, byte 14", "wrong type or invalid value for $.Env[0]", or the
    /// message of a JsonException thrown with one of its own (a converter's "invalid digest").
    /// </summary>
    public static string Describe(JsonException e)
    {
        // The reader's own exception type (internal) is a subclass; the serializer wraps it.
        var syntax = e.GetType() != typeof(JsonException) || e.InnerException is JsonException;
        var where = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "" : e.Path;
        if (syntax)
            return e.LineNumber is { } line
                ? $"syntax error at line {line + 1}, byte {e.BytePositionInLine + 1}"
                : "syntax error";
        // The serializer appends " Path: …" to the messages it makes itself; a converter's own
        // message it leaves alone.
        var own = e.InnerException is null && !e.Message.Contains(" Path: ", StringComparison.Ordinal);
        if (own) return where.Length == 0 ? e.Message : $"{e.Message} at {where}";
        return where.Length == 0 ? "wrong type or invalid value" : $"wrong type or invalid value for {where}";
    }
}

using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Berth.Core.Errors;
using Berth.EngineApi.Serialization;
using Microsoft.AspNetCore.Http;

namespace Berth.Daemon.Routes;

/// <summary>Request parsing and response writing the way docker's API server does them.</summary>
internal static class Http
{
    public static T Service<T>(this HttpContext context) where T : notnull =>
        context.RequestServices.GetRequiredService<T>();

    public static string Route(this HttpContext context, string name) =>
        context.Request.RouteValues[name] as string ?? throw new InvalidParameterException($"missing {name}");

    public static string? Query(this HttpContext context, string name) =>
        context.Request.Query.TryGetValue(name, out var value) ? value.ToString() : null;

    /// <summary>docker's boolValue: absent, "", "0", "no", "false" and "none" are false.</summary>
    public static bool QueryBool(this HttpContext context, string name)
    {
        var value = context.Query(name);
        return value is not null && value.ToLowerInvariant() is not ("" or "0" or "no" or "false" or "none");
    }

    public static int? QueryInt(this HttpContext context, string name)
    {
        var value = context.Query(name);
        if (string.IsNullOrEmpty(value)) return null;
        return int.TryParse(value, out var number) ? number : throw new InvalidParameterException($"invalid value for {name}: {value}");
    }

    /// <summary>
    /// Parses docker's filters argument: {"key":["v1","v2"]}, or the legacy {"key":{"v1":true}}.
    /// </summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> Filters(this HttpContext context)
    {
        var text = context.Query("filters");
        var result = new Dictionary<string, IReadOnlyList<string>>();
        if (string.IsNullOrEmpty(text)) return result;
        try
        {
            using var document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind != JsonValueKind.Object) throw new InvalidParameterException($"invalid filters: {FiltersShape}");
            foreach (var property in document.RootElement.EnumerateObject())
            {
                result[property.Name] = property.Value.ValueKind switch
                {
                    JsonValueKind.Array => property.Value.EnumerateArray().Select(v => v.ValueKind switch
                    {
                        JsonValueKind.String => v.GetString()!,
                        JsonValueKind.Null => "",
                        _ => throw new InvalidParameterException($"invalid filter '{property.Name}': {FiltersShape}"),
                    }).ToList(),
                    JsonValueKind.Object => property.Value.EnumerateObject().Where(v => v.Value.ValueKind == JsonValueKind.True).Select(v => v.Name).ToList(),
                    _ => throw new InvalidParameterException($"invalid filter '{property.Name}': {FiltersShape}"),
                };
            }
        }
        catch (JsonException e)
        {
            throw new InvalidParameterException($"invalid filters: {JsonErrorText.Describe(e)}");
        }
        return result;
    }

    private const string FiltersShape = "filters must be a JSON object of string arrays, such as {\"status\":[\"running\"]}";

    public static async Task<T> ReadJsonAsync<T>(this HttpContext context, JsonTypeInfo<T> type) where T : class
    {
        if (context.Request.ContentLength == 0) throw new InvalidParameterException("request body is empty");
        return await JsonSerializer.DeserializeAsync(context.Request.Body, type, context.RequestAborted)
            ?? throw new InvalidParameterException("request body is null");
    }

    public static async Task WriteJsonAsync<T>(this HttpContext context, T value, JsonTypeInfo<T> type, int status = 200)
    {
        if (!context.Response.HasStarted)
        {
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
        }
        await JsonSerializer.SerializeAsync(context.Response.Body, value, type, context.RequestAborted);
        await context.Response.Body.WriteAsync(LineEnd, context.RequestAborted);
    }

    public static void NoContent(this HttpContext context) => context.Response.StatusCode = 204;

    public static EngineJsonContext Json => EngineJson.Context;

    private static readonly ReadOnlyMemory<byte> LineEnd = "\n"u8.ToArray();
}

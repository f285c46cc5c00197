using System.Buffers;
using System.Text.Json;

namespace Berth.Core.Shim;

/// <summary>
/// Hand-written JSON for the shim's side of the wire, over Utf8JsonReader/Utf8JsonWriter only.
/// The source-generated <see cref="ShimJsonContext"/> defines the format (berthd uses it); this
/// codec produces and accepts the same JSON without pulling JsonSerializer's machinery into
/// the shim binary — that alone costs ~1 MB of binary and ~1.3 MB RSS per container. Tests
/// check both against each other.
/// </summary>
public static class ShimCodec
{
    public static ShimRequest ReadRequest(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        Expect(ref reader, JsonTokenType.StartObject);
        string? op = null;
        int? signal = null, height = null, width = null;
        bool? stdin = null, stdout = null, stderr = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.ValueSpan;
            reader.Read();
            if (reader.TokenType == JsonTokenType.Null) continue;
            if (name.SequenceEqual("op"u8)) op = reader.GetString();
            else if (name.SequenceEqual("signal"u8)) signal = reader.GetInt32();
            else if (name.SequenceEqual("height"u8)) height = reader.GetInt32();
            else if (name.SequenceEqual("width"u8)) width = reader.GetInt32();
            else if (name.SequenceEqual("stdin"u8)) stdin = reader.GetBoolean();
            else if (name.SequenceEqual("stdout"u8)) stdout = reader.GetBoolean();
            else if (name.SequenceEqual("stderr"u8)) stderr = reader.GetBoolean();
            else reader.Skip();
        }
        return new ShimRequest(op ?? throw new JsonException("request without \"op\""), signal, height, width, stdin, stdout, stderr);
    }

    /// <summary>One response line (JSON + '\n').</summary>
    public static byte[] WriteResponse(ShimResponse r) => Line(w =>
    {
        if (r.Ok is { } ok) w.WriteBoolean("ok", ok);
        if (r.Error is { } error) w.WriteString("error", error);
        if (r.Failure is { } failure) w.WriteString("failure", failure);
        if (r.Pid is { } pid) w.WriteNumber("pid", pid);
        if (r.Status is { } status) w.WriteString("status", status);
        if (r.ExitCode is { } exitCode) w.WriteNumber("exitCode", exitCode);
        if (r.StartedAt is { } startedAt) w.WriteString("startedAt", startedAt);
        if (r.FinishedAt is { } finishedAt) w.WriteString("finishedAt", finishedAt);
        if (r.OomKilled is { } oomKilled) w.WriteBoolean("oomKilled", oomKilled);
    });

    /// <summary>The launch line (JSON + '\n').</summary>
    public static byte[] WriteLaunchResult(ShimLaunchResult r) => Line(w =>
    {
        if (r.Pid is { } pid) w.WriteNumber("pid", pid);
        if (r.Error is { } error) w.WriteString("error", error);
        if (r.Ready is { } ready) w.WriteBoolean("ready", ready);
        if (r.Failure is { } failure) w.WriteString("failure", failure);
    });

    /// <summary>The exit file's content (JSON + '\n').</summary>
    public static byte[] WriteExitFile(ShimExitFile e) => Line(w =>
    {
        w.WriteNumber("exitCode", e.ExitCode);
        w.WriteString("finishedAt", e.FinishedAt);
        w.WriteBoolean("oomKilled", e.OomKilled);
    });

    /// <summary>
    /// The "msg" of a runtime log line (runc's --log-format json) when its "level" is error or
    /// fatal; null for other levels or lines that are not JSON objects.
    /// </summary>
    public static string? ReadRuntimeError(ReadOnlySpan<byte> line)
    {
        try
        {
            var reader = new Utf8JsonReader(line);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
            string? level = null, message = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.ValueSpan;
                reader.Read();
                if (name.SequenceEqual("level"u8) && reader.TokenType == JsonTokenType.String) level = reader.GetString();
                else if (name.SequenceEqual("msg"u8) && reader.TokenType == JsonTokenType.String) message = reader.GetString();
                else reader.Skip();
            }
            return level is "error" or "fatal" ? message : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static byte[] Line(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }
        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type)
    {
        if (!reader.Read() || reader.TokenType != type) throw new JsonException($"expected {type}");
    }
}

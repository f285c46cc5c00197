using System.Globalization;
using System.Text;

namespace Berth.Registry.Observability;

/// <summary>Levels of --log-level, most severe first (distribution's names).</summary>
public enum RegistryLogLevel
{
    Error,
    Warn,
    Info,
    Debug,
}

/// <summary>
/// Structured log lines in logfmt (<c>time=… level=info msg="…" key=value …</c>), the shape of
/// distribution's text logs, written to one writer (stderr) and filtered by level.
/// </summary>
public sealed class RegistryLog(TextWriter writer, RegistryLogLevel level, TimeProvider clock)
{
    private readonly TextWriter _writer = TextWriter.Synchronized(writer);

    public RegistryLogLevel Level { get; } = level;

    public bool IsEnabled(RegistryLogLevel at) => at <= Level;

    public static RegistryLogLevel ParseLevel(string text) => text.ToLowerInvariant() switch
    {
        "error" => RegistryLogLevel.Error,
        "warn" or "warning" => RegistryLogLevel.Warn,
        "info" => RegistryLogLevel.Info,
        "debug" => RegistryLogLevel.Debug,
        _ => throw new FormatException($"invalid log level \"{text}\": expected error, warn, info or debug"),
    };

    public void Write(RegistryLogLevel at, string message, params (string Key, object? Value)[] fields)
    {
        if (!IsEnabled(at)) return;
        var line = new StringBuilder();
        line.Append("time=").Append(clock.GetUtcNow().UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
        line.Append(" level=").Append(at.ToString().ToLowerInvariant());
        line.Append(" msg=").Append(Quote(message));
        foreach (var (key, value) in fields)
        {
            var text = value switch
            {
                null => "-",
                bool b => b ? "true" : "false",
                double d => d.ToString("0.######", CultureInfo.InvariantCulture),
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                _ => value.ToString() ?? "-",
            };
            line.Append(' ').Append(key).Append('=').Append(Quote(text));
        }
        _writer.WriteLine(line.ToString());
    }

    /// <summary>Quotes values that would break logfmt's key=value splitting.</summary>
    private static string Quote(string value)
    {
        if (value.Length > 0 && !value.Any(c => c is ' ' or '"' or '=' or '\\' || char.IsControl(c))) return value;
        var quoted = new StringBuilder("\"");
        foreach (var c in value)
        {
            if (c is '"' or '\\') quoted.Append('\\').Append(c);
            else if (c == '\n') quoted.Append("\\n");
            else if (char.IsControl(c)) quoted.Append($"\\u{(int)c:x4}");
            else quoted.Append(c);
        }
        return quoted.Append('"').ToString();
    }
}

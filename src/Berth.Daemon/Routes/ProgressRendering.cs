using System.Globalization;
using System.Text.Json;
using Berth.Engine.Distribution.Progress;
using Berth.EngineApi.Models;

namespace Berth.Daemon.Routes;

/// <summary>Progress updates as docker's JSON messages, with the pre-rendered bar dockerd still sends.</summary>
internal static class ProgressRendering
{
    public static JsonMessage ToMessage(ProgressUpdate update)
    {
        if (update.Pushed is { } pushed)
        {
            // dockerd's push result: {"progressDetail":{},"aux":{"Tag":…,"Digest":…,"Size":…}}.
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                writer.WriteString("Tag", pushed.Tag);
                writer.WriteString("Digest", pushed.Digest.ToString());
                writer.WriteNumber("Size", pushed.Size);
                writer.WriteEndObject();
            }
            using var document = JsonDocument.Parse(buffer.ToArray());
            return new JsonMessage { ProgressDetail = new JsonProgress(), Aux = document.RootElement.Clone() };
        }
        return new JsonMessage
        {
            Status = update.Status,
            Id = update.Id,
            ProgressDetail = update.HasDetail ? new JsonProgress { Current = update.Current, Total = update.Total } : null,
            Progress = update.Current > 0 ? Bar(update.Current, update.Total) : null,
        };
    }

    /// <summary>docker's JSONProgress.String() for a 200-column terminal: "[====>    ]  1.2MB/3.4MB".</summary>
    public static string Bar(long current, long total)
    {
        if (total <= 0) return $"{HumanSize(current),8}";
        var percentage = Math.Min(50, (int)(current * 100.0 / total) / 2);
        var bar = "[" + new string('=', percentage) + ">" + new string(' ', Math.Max(0, 50 - percentage)) + "] ";
        var numbers = current > total ? $"{HumanSize(current),8}" : $"{HumanSize(current),8}/{HumanSize(total)}";
        return bar + numbers;
    }

    /// <summary>go-units' HumanSize: decimal units, four significant digits.</summary>
    public static string HumanSize(double size)
    {
        string[] units = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];
        var i = 0;
        while (size >= 1000 && i < units.Length - 1)
        {
            size /= 1000;
            i++;
        }
        return size.ToString("G4", CultureInfo.InvariantCulture) + units[i];
    }
}

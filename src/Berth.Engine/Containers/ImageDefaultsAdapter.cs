using Berth.Engine.Images;

namespace Berth.Engine.Containers;

/// <summary>Maps an image's config onto what a container inherits.</summary>
internal static class ImageDefaultsAdapter
{
    public static ImageDefaults From(Image image)
    {
        var config = image.Config.Config;
        if (config is null) return new ImageDefaults(null, null, null, null, null, null, null, null, null);
        return new ImageDefaults(
            config.Env,
            config.Cmd,
            config.Entrypoint,
            config.WorkingDir,
            config.User,
            config.Labels,
            config.StopSignal,
            config.ExposedPorts,
            config.Volumes);
    }
}

const k = "\u0073\u006b\u002dabc\x2d\/def\u{2d}\ud83d\ude00";

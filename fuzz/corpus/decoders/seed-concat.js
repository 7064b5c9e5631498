const key = "abc" + "def" +
  'ghi' + `jkl`;
const u = "x" + y + "z";
